import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents } from '../../src/protocol';
import { askUncheckedWithin } from '@capture-backend/client';
import { connectClient, identifiedHeadset, type TestClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { fuzzSettings, hostilePayload, hostileString, TRAVERSALS, VALID_HEADSETS, VALID_TABLET } from './arbitraries';
import { checkInvariants, prototypeSnapshot, watchProcess } from './invariants';

/**
 * Every client event from every kind of client, with generated malformed
 * payloads, many per connection. Afterwards the store must hold nothing a
 * well-behaved fleet could not have produced, and the server must still serve.
 */

// Typed as a record so the type check fails when an event is added to the protocol and not fuzzed here.
const EVENT_SET: Record<keyof ClientToServerEvents, true> = {
  'headset-identify': true,
  'headset-frame': true,
  'headset-status': true,
  'device-telemetry': true,
  'headset-logs-processed': true,
  'headset-recording-state': true,
  'tablet-lock-device': true,
  'tablet-unlock-device': true,
  'tablet-lock-devices': true,
  'tablet-unlock-all-devices': true,
  'tablet-start-recording': true,
  'tablet-stop-recording': true,
  'tablet-start-all-recording': true,
  'tablet-stop-all-recording': true,
  'tablet-toggle-recording': true,
  'tablet-toggle-all-recording': true,
  'tablet-create-session': true,
  'tablet-start-session': true,
  'tablet-pause-session': true,
  'tablet-end-session': true,
  'tablet-get-session': true,
  'tablet-get-active-session': true,
  'tablet-connect-headset': true,
  'tablet-disconnect-headset': true,
  'tablet-get-recording-status': true,
  'tablet-sync-metadata': true,
  'tablet-ack-alarm': true,
  'tablet-review-recording': true,
  'dashboard-subscribe': true,
  'dashboard-unsubscribe': true,
  'dashboard-watch-device': true,
  'dashboard-watch-preview': true,
  'dashboard-unwatch-device': true,
  'server-time': true,
};
const EVENTS = Object.keys(EVENT_SET) as Array<keyof ClientToServerEvents>;
const ROLES = ['headset', 'identified-headset', 'tablet', 'dashboard', 'legacy'] as const;

const command = fc.record({
  role: fc.constantFrom(...ROLES),
  event: fc.constantFrom(...EVENTS),
  args: fc.array(hostilePayload, { maxLength: 3 }),
  withAck: fc.boolean(),
});

type Ack = { ok?: unknown; error?: unknown };

async function send(client: TestClient, cmd: { event: string; args: unknown[]; withAck: boolean }): Promise<Ack | undefined> {
  if (!cmd.withAck) {
    (client.socket.emit as (event: string, ...args: unknown[]) => void)(cmd.event, ...cmd.args);
    return undefined;
  }
  try {
    return await askUncheckedWithin(client.socket, 10_000, cmd.event, ...cmd.args);
  } catch (err) {
    // A connection replaced by another identifying as its headset (below) gets no answer; anything else is a failure.
    if (client.count('on-connection-replaced') > 0) return undefined;
    throw err;
  }
}

describe.each(STORE_KINDS)('socket events under fuzzing (%s store)', (kind) => {
  const redis = useTestRedis();
  // No rate limit: every generated payload must reach validation and the handlers.
  // AUTH_REQUIRED=false adds the trusted legacy client, the widest role there is.
  const newServer = serverFactory(kind, redis, { SOCKET_EVENTS_PER_SECOND: '10000', SOCKET_EVENT_BURST: '10000', AUTH_REQUIRED: 'false' });
  const watch = watchProcess();
  const prototypes = prototypeSnapshot();
  beforeAll(() => {
    watch.failures.length = 0;
  });
  afterAll(() => watch.stop());

  it('survives every event from every role with hostile payloads, and the invariants hold', async () => {
    const server = await newServer();
    const clients: Record<(typeof ROLES)[number], TestClient> = {
      headset: await connectClient(server, { deviceId: 'QUEST_002', deviceType: 'headset' }),
      'identified-headset': await identifiedHeadset(server, VALID_HEADSETS[0]!),
      tablet: await connectClient(server, { deviceId: VALID_TABLET, deviceType: 'tablet' }),
      dashboard: await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' }),
      legacy: await connectClient(server, {}),
    };
    const tablets = new Set([VALID_TABLET, clients.legacy.socket.id!, 'TABLET_FRESH']);
    const probed = new Set<string>(TRAVERSALS);
    const internalErrors: string[] = [];
    let emitted = 0;
    let accepted = 0;

    const { seed, numRuns } = fuzzSettings(`socket events (${kind})`, kind === 'memory' ? 500 : 250);
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 24, size: 'max' }),
        fc.array(hostileString, { maxLength: 2 }),
        async (batch, ids) => {
          for (const id of ids) probed.add(id);
          const acks = batch.map((cmd) => {
            for (const arg of cmd.args) if (typeof arg === 'string' && arg.length < 100) probed.add(arg);
            return send(clients[cmd.role], cmd);
          });
          emitted += batch.length;
          for (const ack of await Promise.all(acks)) {
            if (ack === undefined) continue;
            expect(typeof ack.ok).toBe('boolean');
            if (ack.ok) accepted++;
            if (ack.error === 'internal error') internalErrors.push(JSON.stringify(batch).slice(0, 500));
          }
          // Events sent without an ack have arrived once a later acked one is answered.
          for (const [role, client] of Object.entries(clients) as Array<[(typeof ROLES)[number], TestClient]>) {
            // One connection per device: a connection identifying as a headset another one identified as replaces
            // it, by design (the trusted legacy client can be either). The replaced one connects again, as a client would.
            if (!client.socket.connected && client.count('on-connection-replaced') > 0) {
              clients[role] = role === 'legacy' ? await connectClient(server, {}) : await identifiedHeadset(server, VALID_HEADSETS[0]!);
              if (role === 'legacy') tablets.add(clients.legacy.socket.id!);
              continue;
            }
            expect(
              client.socket.connected,
              `the ${role} client was disconnected by the server (${client.received
                .map((r) => r.event)
                .slice(-3)
                .join(', ')})`,
            ).toBe(true);
            await send(client, { event: 'dashboard-unsubscribe', args: [], withAck: true });
          }
        },
      ),
      { seed, numRuns, endOnFailure: true },
    );
    console.log(`[fuzz] socket events (${kind}): ${emitted} hostile events from ${ROLES.length} roles, ${accepted} accepted`);

    // Some commands must have got through, or the invariants were checked against nothing.
    expect(accepted).toBeGreaterThan(0);
    expect(internalErrors, 'handlers threw on input validation should have refused').toEqual([]);
    await checkInvariants(server, { tablets, probedIds: probed, prototypes });
    expect(watch.failures).toEqual([]);
  }, 120_000);

  it('has invariant checks that catch a corrupted store (a lock owned by a tablet that never connected)', async () => {
    const server = await newServer();
    await server.store.locks.acquire(VALID_HEADSETS[0]!, 'INTRUDER');
    await expect(checkInvariants(server, { tablets: new Set([VALID_TABLET, 'TABLET_FRESH']), probedIds: [], prototypes })).rejects.toThrow(
      /owned by INTRUDER/,
    );
  });
});
