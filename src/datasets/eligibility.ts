import type { RecordingSummary } from '../state';
import type { DatasetFilter } from './types';

/**
 * Why a take the filter's scope matched is not one the dataset takes (its
 * verdict, people's decision, its state), or undefined when it is. Checked when
 * the dataset is requested and again when its step runs, since a take can be
 * discarded or re-verified in between.
 */
export function exclusionReason(r: RecordingSummary, filter: DatasetFilter): string | undefined {
  if (r.purgedAt) return 'its files were deleted after it was discarded';
  if (r.state !== 'verified' && r.state !== 'rejected') return `not verified (state ${r.state})`;
  const verdict = r.verification?.verdict;
  if (verdict !== filter.verdict) return `verdict ${verdict ?? 'none'}; the dataset takes ${filter.verdict}`;
  const decision = r.decision ?? 'none';
  if (filter.decision === undefined) return decision === 'discard' ? 'discarded' : undefined;
  return decision === filter.decision ? undefined : `decision ${decision}; the dataset takes ${filter.decision}`;
}

/** Whether the take is in the filter's scope: its sessions, devices, tags and time. */
export function inScope(r: RecordingSummary, filter: DatasetFilter): boolean {
  if (filter.sessionIds && !(r.sessionId && filter.sessionIds.includes(r.sessionId))) return false;
  if (filter.deviceIds && !filter.deviceIds.includes(r.deviceId)) return false;
  if (filter.from && r.createdAt < filter.from) return false;
  if (filter.to && r.createdAt > filter.to) return false;
  return Object.entries(filter.tags ?? {}).every(([k, v]) => r.tags[k] === v);
}

/** Frame rates closer than this are the same rate (30 and 29.97 are not). */
export const FPS_TOLERANCE = 0.01;
export const sameFps = (a: number, b: number) => Math.abs(a - b) <= FPS_TOLERANCE;
export const showFps = (fps: number) => String(Number(fps.toFixed(3)));
