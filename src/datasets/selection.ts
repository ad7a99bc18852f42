import { DomainError } from '../domain/errors';
import type { RecordingPage, RecordingQuery, RecordingSummary } from '../state';
import { MAX_EXCLUDED_LISTED, MAX_TAKES } from './dataset-store';
import { exclusionReason, inScope } from './eligibility';
import type { DatasetFilter, ExcludedTake } from './types';

/** Records read at most to make one selection; a filter matching more is too broad. */
export const MAX_SCANNED = 50_000;
const PAGE = 500;

export interface Selection {
  /** The takes to build, oldest first (their order is the episodes'). */
  takes: RecordingSummary[];
  /** Takes in the filter's scope that the dataset does not take, with why (the first MAX_EXCLUDED_LISTED). */
  excluded: ExcludedTake[];
  excludedCount: number;
}

/**
 * The takes a filter selects, read page by page from the recordings' store
 * through the narrowest index the filter allows (per session, else per
 * device, else every recording), the rest of the filter applied to each record.
 */
export async function selectTakes(list: (q: RecordingQuery) => Promise<RecordingPage>, filter: DatasetFilter): Promise<Selection> {
  const base = {
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
    limit: PAGE,
  };
  const queries: RecordingQuery[] = filter.sessionIds
    ? filter.sessionIds.map((sessionId) => ({ ...base, sessionId }))
    : filter.deviceIds
      ? filter.deviceIds.map((deviceId) => ({ ...base, deviceId }))
      : [base];
  const seen = new Set<string>();
  const takes: RecordingSummary[] = [];
  const excluded: ExcludedTake[] = [];
  let excludedCount = 0;
  let scanned = 0;
  for (const query of queries) {
    let cursor: string | undefined;
    do {
      const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
      for (const r of page.recordings) {
        if (++scanned > MAX_SCANNED)
          throw new DomainError('too_large', `the filter reaches more than ${MAX_SCANNED} recordings: narrow it (sessions, devices, time)`);
        if (seen.has(r.recordingId) || !inScope(r, filter)) continue;
        seen.add(r.recordingId);
        const reason = exclusionReason(r, filter);
        if (!reason) takes.push(r);
        else if (++excludedCount <= MAX_EXCLUDED_LISTED) excluded.push({ recordingId: r.recordingId, reason });
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  if (takes.length > MAX_TAKES)
    throw new DomainError('too_large', `the filter selects ${takes.length} takes; a dataset holds at most ${MAX_TAKES}`);
  takes.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.recordingId < b.recordingId ? -1 : 1));
  return { takes, excluded, excludedCount };
}

/** The most common frame rate among the takes (to 3 decimals; a tie goes to the earliest take's). */
export function commonFps(takes: readonly RecordingSummary[]): number | undefined {
  const counts = new Map<number, number>();
  for (const t of takes) {
    const fps = t.verification?.mp4?.fps;
    if (fps && Number.isFinite(fps)) counts.set(Number(fps.toFixed(3)), (counts.get(Number(fps.toFixed(3))) ?? 0) + 1);
  }
  let best: number | undefined;
  for (const [fps, n] of counts) if (best === undefined || n > counts.get(best)!) best = fps;
  return best;
}
