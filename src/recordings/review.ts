import type { Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import type { RecordingRecord } from '../state';
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
  const change = req.decision ? (req.decision === 'discard' ? 'discarded' : 'kept') : 'reviewed';
  return withHistory(next, entry(at, actor, change, { ...req }));
}
