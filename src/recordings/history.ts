import type { Actor } from '../domain/actor';
import type { RecordingRecord } from '../state';
import { MAX_RECORDING_HISTORY, MAX_RECORDING_HISTORY_BYTES } from '../state/recording-types';

/** The actor of what the server itself decides (verdicts, incomplete, purges). */
export const SYSTEM: Actor = { kind: 'system', id: 'recordings' };

export const headset = (deviceId: string): Actor => ({ kind: 'headset', id: deviceId });

export type HistoryEntry = RecordingRecord['history'][number];

export const entry = (at: Date, actor: Actor, change: string, detail?: Record<string, unknown>): HistoryEntry => ({
  at,
  actor,
  change,
  ...(detail ? { detail } : {}),
});

/**
 * Appends a change, keeping only the newest MAX_RECORDING_HISTORY entries and at most
 * MAX_RECORDING_HISTORY_BYTES of them in JSON (the newest entry always stays), so a
 * record's history stays bounded however often it is curated.
 */
export function withHistory(record: RecordingRecord, e: HistoryEntry): RecordingRecord {
  const history = [...record.history, e].slice(-MAX_RECORDING_HISTORY);
  let bytes = history.reduce((sum, h) => sum + JSON.stringify(h).length + 1, 0);
  while (history.length > 1 && bytes > MAX_RECORDING_HISTORY_BYTES) bytes -= JSON.stringify(history.shift()).length + 1;
  return { ...record, history };
}
