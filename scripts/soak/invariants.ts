import { statSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../../src/state';
import type { SessionStatus } from '../../src/state/types';

export interface InvariantReport {
  /** Devices held by more than one tablet at once. */
  doublyLocked: string[];
  /** Sessions still pending, recording, paused or uploading after every tablet ended its sessions and every upload finished. */
  stuckSessions: Array<{ sessionId: string; status: SessionStatus }>;
  sessionsByStatus: Record<string, number>;
  /** Completed uploads whose object is missing or of another size. */
  brokenObjects: Array<{ key: string; expected: number; found: number | null }>;
  objectsChecked: number;
}

const TRANSIENT: readonly SessionStatus[] = ['pending', 'recording', 'paused', 'uploading'];

export async function checkInvariants(
  store: Store,
  dataDir: string,
  tabletIds: string[],
  uploaded: ReadonlyMap<string, number>,
): Promise<InvariantReport> {
  const holders = new Map<string, string[]>();
  for (const tabletId of tabletIds) {
    for (const deviceId of await store.locks.heldBy(tabletId)) holders.set(deviceId, [...(holders.get(deviceId) ?? []), tabletId]);
  }
  const doublyLocked = [...holders].filter(([, tablets]) => tablets.length > 1).map(([deviceId]) => deviceId);

  const sessionsByStatus: Record<string, number> = {};
  const stuckSessions: InvariantReport['stuckSessions'] = [];
  let cursor: string | undefined;
  do {
    const page = await store.sessions.list({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const s of page.sessions) {
      sessionsByStatus[s.status] = (sessionsByStatus[s.status] ?? 0) + 1;
      if (TRANSIENT.includes(s.status)) stuckSessions.push({ sessionId: s.sessionId, status: s.status });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  const brokenObjects: InvariantReport['brokenObjects'] = [];
  for (const [key, expected] of uploaded) {
    let found: number | null = null;
    try {
      found = statSync(path.join(dataDir, key)).size;
    } catch {
      found = null;
    }
    if (found !== expected) brokenObjects.push({ key, expected, found });
  }
  return { doublyLocked, stuckSessions, sessionsByStatus, brokenObjects, objectsChecked: uploaded.size };
}
