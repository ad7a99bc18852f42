import type { Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import type { RecordingRecord, Store } from '../state';
import { entry, withHistory } from './history';
import type { ReviewRequest } from './schemas';

/**
 * A recording after a tablet's or an operator's review: its decision, outcome,
 * tags and note changed as asked, with the change kept in its history under
 * who made it. Refused when a discarded take's files are already gone and
 * someone asks to keep it.
 */
export function reviewed(current: RecordingRecord, req: ReviewRequest, actor: Actor, at: Date): RecordingRecord {
  if (current.purgedAt && req.decision === 'keep')
    throw new DomainError('conflict', "this recording's files were deleted after its discard; it cannot be kept");
  const tags = { ...current.tags };
  for (const [k, v] of Object.entries(req.tags ?? {})) {
    if (v === '') delete tags[k];
    else tags[k] = v;
  }
  if (Object.keys(tags).length > 20) throw new DomainError('invalid', 'a recording has at most 20 tags');
  const next: RecordingRecord = { ...current, tags, updatedAt: at };
  if (req.decision) next.decision = req.decision;
  if (req.decision === 'discard' && current.decision !== 'discard') next.discardedAt = at;
  if (req.decision === 'keep') delete next.discardedAt;
  if (req.outcome) next.outcome = req.outcome;
  if (req.note !== undefined) next.note = req.note;
  const diff = reviewDiff(current, next);
  // A review that changes nothing is answered, not kept: repeating one cannot push the real changes out.
  if (Object.keys(diff).length === 0) return current;
  const change = req.decision ? (req.decision === 'discard' ? 'discarded' : 'kept') : 'reviewed';
  return withHistory(next, entry(at, actor, change, diff));
}

/**
 * What a review changed, compactly: the decision and outcome as they became, each tag
 * that changed (its new value, null when removed), and the note's new length (the note
 * itself is the record's; its history does not copy it each time).
 */
export function reviewDiff(before: RecordingRecord, after: RecordingRecord): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  if (after.decision !== before.decision) diff.decision = after.decision;
  if (after.outcome !== before.outcome) diff.outcome = after.outcome;
  const tags: Record<string, string | null> = {};
  for (const key of new Set([...Object.keys(before.tags), ...Object.keys(after.tags)])) {
    if (before.tags[key] !== after.tags[key]) tags[key] = after.tags[key] ?? null;
  }
  if (Object.keys(tags).length > 0) diff.tags = tags;
  if (after.note !== before.note) diff.noteChars = after.note?.length ?? 0;
  return diff;
}

/**
 * A tablet may curate a take it commanded, one of a session it ran, or one of a
 * headset it holds now: the relation tablet-ack-alarm asks for too. Anything else
 * is refused, so a tablet cannot discard the lab's other takes.
 */
export async function assertMayCurate(store: Store, recordingId: string, tabletId: string): Promise<void> {
  const record = await store.recordings.get(recordingId);
  if (!record) throw new DomainError('not_found', `no recording ${recordingId}`);
  if (record.tabletId === tabletId) return;
  const [session, lock] = await Promise.all([
    record.sessionId ? store.sessions.get(record.sessionId) : null,
    store.locks.get(record.deviceId),
  ]);
  if (session?.tabletId === tabletId || lock?.tabletId === tabletId) return;
  throw new DomainError('forbidden', `recording ${recordingId} is not of a session, command or headset of this tablet`);
}
