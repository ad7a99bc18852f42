import type { SessionView } from '../protocol';
import type { SessionRecord } from '../state/types';
import { latestStartSpread } from './start-spread';

/** Seconds from start to end (or to now while running); 0 before the first start. */
export function durationSeconds(session: SessionRecord, now: number): number {
  if (!session.startedAt) return 0;
  const end = session.endedAt?.getTime() ?? now;
  return Math.max(0, Math.round(end - session.startedAt.getTime()) / 1000);
}

/** The wire form of a session, with which of its devices are offline right now. */
export function sessionView(
  session: SessionRecord,
  onlineDeviceIds: ReadonlySet<string>,
  now: number,
): SessionView & { offlineDevices: string[] } {
  return {
    sessionId: session.sessionId,
    tabletId: session.tabletId,
    status: session.status,
    deviceIds: session.deviceIds,
    createdAt: session.createdAt.toISOString(),
    ...(session.startedAt ? { startedAt: session.startedAt.toISOString() } : {}),
    ...(session.endedAt ? { endedAt: session.endedAt.toISOString() } : {}),
    ...(session.endReason ? { endReason: session.endReason } : {}),
    duration: durationSeconds(session, now),
    ...(session.metadata ? { metadata: session.metadata } : {}),
    deviceStatuses: session.deviceStatuses,
    offlineDevices: session.deviceIds.filter((id) => !onlineDeviceIds.has(id)),
    ...startSpreadOf(session),
  };
}

/** The spread of its latest synchronized start, once a headset of it started. */
function startSpreadOf(session: SessionRecord): { startSpreadMs?: number } {
  const spread = latestStartSpread(session.deviceStatuses);
  return spread ? { startSpreadMs: Math.round(spread.spreadMs * 1000) / 1000 } : {};
}
