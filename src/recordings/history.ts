import type { Actor } from '../domain/actor';
import type { RecordingRecord } from '../state';
import { MAX_RECORDING_HISTORY } from '../state/recording-types';

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

/** Appends a change, keeping only the newest MAX_RECORDING_HISTORY so a record stays bounded. */
export function withHistory(record: RecordingRecord, e: HistoryEntry): RecordingRecord {
  return { ...record, history: [...record.history, e].slice(-MAX_RECORDING_HISTORY) };
}
