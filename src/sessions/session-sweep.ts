import type { Logger } from 'pino';
import type { Store } from '../state/types';
import type { SessionService } from './session-service';

/** Sessions ended per store read, and reads per run (the next run goes on). */
const BATCH = 100;
const MAX_BATCHES = 100;
/** A session not its tablet's active one this long after creation is an orphan (a live create claims within milliseconds). */
export const ORPHAN_AGE_MS = 60_000;

export interface SessionSweepDeps {
  store: Store;
  sessions: SessionService;
  /** Sessions not completed this long after creation are ended (SESSION_EXPIRY_MS). */
  expiryMs: number;
  now?: () => number;
  logger?: Logger;
}

/**
 * The session cleanup (one process of the cluster, under a lease), each session ended with its
 * reason announced in on-session-ended:
 * - `expired`: not completed SESSION_EXPIRY_MS after creation;
 * - `orphaned`: still pending, recording or paused but not its tablet's active session a minute
 *   after creation. A create saves the session, then claims it as the tablet's active one: a
 *   process that died between the two (or a store that failed the claim) left it with no tablet
 *   to end it, and it would otherwise stay until its expiry.
 */
export async function sweepSessions(d: SessionSweepDeps): Promise<{ expired: number; orphaned: number }> {
  const now = d.now ?? Date.now;
  let expired = 0;
  const expiryCutoff = new Date(now() - d.expiryMs);
  // Reads only the active sessions, oldest first; an ended one leaves that index, so each batch moves on.
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const stale = await d.store.sessions.activeCreatedBefore(expiryCutoff, BATCH);
    for (const s of stale) if (await d.sessions.endByServer(s, 'expired')) expired++;
    if (stale.length < BATCH) break;
  }
  let orphaned = 0;
  // The oldest active sessions past the orphan age; those their tablet does not point at are orphans.
  for (const s of await d.store.sessions.activeCreatedBefore(new Date(now() - ORPHAN_AGE_MS), BATCH)) {
    if ((await d.store.sessions.activeOf(s.tabletId)) === s.sessionId) continue;
    if (await d.sessions.endByServer(s, 'orphaned')) orphaned++;
  }
  if (orphaned > 0) d.logger?.warn({ orphaned }, 'sessions no tablet could end (a create interrupted after saving) were ended');
  return { expired, orphaned };
}
