import { expect } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { deviceIdSchema } from '../../src/auth';
import { SESSION_STATUSES } from '../../src/state/types';
import { tabletClient } from '../helpers/clients';
import { VALID_HEADSETS } from './arbitraries';

/** Own property names of the prototypes a pollution attack would change. */
export function prototypeSnapshot(): Record<string, string[]> {
  return {
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    function: Object.getOwnPropertyNames(Function.prototype).sort(),
  };
}

/**
 * Process-wide failures the fuzzers watch for. Servers run in this process,
 * so a rejection a handler let escape lands here.
 */
export function watchProcess() {
  const failures: string[] = [];
  const onRejection = (reason: unknown) => failures.push(`unhandledRejection: ${(reason as Error)?.stack ?? String(reason)}`);
  const onException = (err: Error) => failures.push(`uncaughtException: ${err.stack ?? err.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    failures,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

export interface InvariantOptions {
  /** Tablet IDs that connected during the run; no one else may own a lock. */
  tablets: ReadonlySet<string>;
  /** Device IDs the fuzzer used, valid and not, so locks on any of them are seen. */
  probedIds: Iterable<string>;
  prototypes: Record<string, string[]>;
}

/** What must still be true after any amount of hostile input, checked from the store. */
export async function checkInvariants(server: CaptureServer, options: InvariantOptions): Promise<void> {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(prototypeSnapshot()).toEqual(options.prototypes);

  const devices = await server.store.devices.list();
  for (const device of devices)
    expect(deviceIdSchema.safeParse(device.deviceId).success, `device ID ${JSON.stringify(device.deviceId)}`).toBe(true);

  const ids = new Set([...options.probedIds, ...devices.map((d) => d.deviceId), ...VALID_HEADSETS]);
  const locks = await server.store.locks.getMany([...ids]);
  for (const lock of locks.values()) {
    expect(options.tablets.has(lock.tabletId), `lock on ${lock.deviceId} owned by ${lock.tabletId}`).toBe(true);
    expect(deviceIdSchema.safeParse(lock.deviceId).success).toBe(true);
  }

  let cursor: string | undefined;
  do {
    const page = await server.store.sessions.list({ limit: 500, cursor });
    for (const s of page.sessions) {
      expect(SESSION_STATUSES).toContain(s.status);
      expect(options.tablets.has(s.tabletId), `session ${s.sessionId} of ${s.tabletId}`).toBe(true);
      for (const id of s.deviceIds) expect(deviceIdSchema.safeParse(id).success).toBe(true);
      expect(Object.keys(s.deviceStatuses).sort()).toEqual([...s.deviceIds].sort());
    }
    cursor = page.nextCursor;
  } while (cursor);

  // Still serving: health answers and a newcomer gets a normal answer.
  const health = await fetch(`${server.url()}/health`);
  expect(health.status).toBe(200);
  const fresh = await tabletClient(server, 'TABLET_FRESH');
  try {
    expect(await fresh.ask('tablet-get-active-session')).toMatchObject({ ok: true });
  } finally {
    fresh.close();
  }
}
