import type { DeviceSessionStatus } from '../domain/sessions';

/** The headsets of one synchronized start in a session, and how far apart they started. */
export interface StartSpread {
  batchId: string;
  deviceIds: string[];
  /** Latest minus earliest start (server ms). */
  spreadMs: number;
}

/**
 * The spread of the session's latest synchronized start: the starts (server
 * time, as the headsets reported them) of its devices in the batch of the most
 * recent start. Undefined before any device reported a start in a batch.
 */
export function latestStartSpread(statuses: Readonly<Record<string, DeviceSessionStatus>>): StartSpread | undefined {
  let latest: { batchId: string; at: number } | undefined;
  for (const s of Object.values(statuses)) {
    if (s.startBatchId && s.startedAt !== undefined && (!latest || s.startedAt > latest.at))
      latest = { batchId: s.startBatchId, at: s.startedAt };
  }
  if (!latest) return undefined;
  const batch = Object.entries(statuses).filter(([, s]) => s.startBatchId === latest.batchId && s.startedAt !== undefined);
  const starts = batch.map(([, s]) => s.startedAt!);
  return { batchId: latest.batchId, deviceIds: batch.map(([id]) => id), spreadMs: Math.max(...starts) - Math.min(...starts) };
}

/**
 * The spread of the session's latest start when it should raise start_spread: a synchronized
 * start (startAt) of two or more headsets further apart than `maxSpreadMs`. Only a synchronized
 * start promises starting together: the headsets of a plain start start as its messages arrive,
 * tens of milliseconds apart on Wi-Fi, which is no fault to raise.
 */
export function tooWideStart(
  session: { deviceStatuses: Readonly<Record<string, DeviceSessionStatus>> },
  start: { startAt?: number },
  maxSpreadMs = Number.POSITIVE_INFINITY,
): StartSpread | undefined {
  if (start.startAt === undefined) return undefined;
  const spread = latestStartSpread(session.deviceStatuses);
  return spread && spread.deviceIds.length > 1 && spread.spreadMs > maxSpreadMs ? spread : undefined;
}
