import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { readRedisVersion } from '../../src/realtime/redis-version';
import { closeAllClients, eventually, identifiedHeadset, tabletClient, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startSentinelTopology, type SentinelTopology } from '../helpers/redis-sentinel';
import { startServer } from '../helpers/test-server';
import { MiB, randomFile, UploadClient } from '../uploads/upload-client';

/**
 * Issue 23: Redis that survives losing its primary. Two server processes on a
 * real Sentinel setup (one primary, one replica, three sentinels) serve a
 * connected fleet; the primary is killed with SIGKILL. After the failover the
 * servers serve again by themselves, what they had written is there, and no
 * headset is held by two tablets, including one whose lock the old primary had
 * granted but not yet replicated when it died.
 */
let topology: SentinelTopology | undefined;
const servers: CaptureServer[] = [];
afterEach(async () => {
  closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await topology?.stop();
  topology = undefined;
});

const DEVICES = ['QUEST_001', 'QUEST_002', 'QUEST_003'];

async function health(server: CaptureServer): Promise<number> {
  const res = await fetch(`${server.url()}/health`);
  await res.arrayBuffer();
  return res.status;
}

/** Tablets whose connections (on any process) follow the device as its lock holder. */
async function followers(server: CaptureServer, deviceId: string): Promise<string[]> {
  const sockets = await server.io.in(`holder:${deviceId}`).fetchSockets();
  return [...new Set(sockets.map((s) => s.data.deviceId as string))].sort();
}

describe('Redis Sentinel: the primary killed under a connected fleet', () => {
  it('keeps serving after the failover, with its state, and no lock held by two tablets', async () => {
    const started = await startSentinelTopology();
    topology = started;
    const env = { ...topology.env, REDIS_KEY_PREFIX: 'lab:', ORPHAN_SWEEP_INTERVAL_MS: '500' };
    const one = await startServer({ env });
    servers.push(one);
    const two = await startServer({ env });
    servers.push(two);

    // The fleet: headsets on process one, tablet A there holding two of them in a session,
    // tablet B on process two, and a recording upload half done.
    const headsets = new Map<string, TestClient>();
    for (const id of DEVICES) headsets.set(id, await identifiedHeadset(one, id));
    const tabletA = await tabletClient(one, 'TABLET_A');
    const tabletB = await tabletClient(two, 'TABLET_B');
    expect(await tabletA.ask('tablet-lock-devices', ['QUEST_001', 'QUEST_002'])).toMatchObject({ ok: true, failed: [] });
    const created = await tabletA.ask('tablet-create-session', { deviceIds: ['QUEST_001', 'QUEST_002'] });
    expect(created.ok).toBe(true);
    const sessionId = created.sessionId as string;
    const uploader = new UploadClient(one, one.tokens.sign('QUEST_001', 'headset'));
    const file = randomFile(10 * MiB + 4096);
    const upload = await uploader.start(file.length);
    const firstPart = await uploader.putAll(upload, file, [1]);

    // The start-up probe of the Redis version (which adapter to use) finds the primary through the sentinels too.
    expect(await readRedisVersion(one.config.redis)).toMatch(/^\d+\.\d+/);

    // Everything so far reached the replica.
    const primary = topology.node(topology.primaryPort);
    const replica = topology.node(topology.replicaPort);
    expect(await primary.call('WAIT', '1', '5000')).toBe(1);

    // Then the replica falls behind (its link to the primary cut, and refused when it tries
    // again), and the primary grants tablet A one more lock that the replica never sees.
    await replica.config('SET', 'masterauth', 'not-the-password');
    await replica.call('CLIENT', 'KILL', 'TYPE', 'master');
    await eventually(async () => expect(await replica.info('replication')).toMatch(/master_link_status:down/));
    expect(await tabletA.ask('tablet-lock-device', 'QUEST_003')).toMatchObject({ ok: true });
    expect(await primary.get('lab:lock:QUEST_003')).toBe('TABLET_A');
    expect(await replica.get('lab:lock:QUEST_003')).toBeNull();

    const killedAt = Date.now();
    await topology.killPrimary();
    // Tablet B wants the same headset, and keeps asking through the outage, as an app would.
    let answerB: { ok: boolean; error?: string } | undefined;
    const askB = (async () => {
      for (;;) {
        // An ack that does not come within the client's 5 s (the server still waiting on Redis) is asked again too.
        const answer = await tabletB.ask('tablet-lock-device', 'QUEST_003').catch(() => undefined);
        if (answer && (answer.ok || !/unavailable/.test(answer.error ?? ''))) return (answerB = answer);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // Both processes recover by themselves: /health answers 200 again once Sentinel has promoted the replica.
    await eventually(async () => {
      expect(await health(one)).toBe(200);
      expect(await health(two)).toBe(200);
    }, 40_000);
    const recoveredMs = Date.now() - killedAt;
    // The sentinel asked may learn of the switch a moment after the one the servers followed.
    await eventually(async () => expect(await started.primaryNow()).toBe(started.replicaPort), 10_000);
    console.log(`[sentinel failover] primary SIGKILLed; /health 200 again on both processes after ${recoveredMs} ms`);
    await askB;

    // The lost lock was granted once: exactly one tablet holds QUEST_003 in the store, only that
    // tablet follows it, and the other one was told (a refusal, or on-device-unlocked).
    await eventually(async () => {
      const holder = (await one.store.locks.get('QUEST_003'))?.tabletId;
      expect(holder === 'TABLET_A' || holder === 'TABLET_B').toBe(true);
      expect(await followers(one, 'QUEST_003')).toEqual([holder]);
      if (holder === 'TABLET_A') expect(answerB).toMatchObject({ ok: false, error: expect.stringMatching(/locked by another tablet/) });
      else expect(tabletA.received).toContainEqual({ event: 'on-device-unlocked', args: [{ deviceId: 'QUEST_003' }] });
    }, 10_000);
    // The locks that had been replicated are tablet A's, and followed by it alone.
    for (const id of ['QUEST_001', 'QUEST_002']) {
      expect((await one.store.locks.get(id))?.tabletId).toBe('TABLET_A');
      expect(await followers(one, id)).toEqual(['TABLET_A']);
    }

    // What was written before the kill is there, and work goes on where it was.
    const session = await tabletA.ask('tablet-get-session', sessionId);
    expect(session).toMatchObject({ ok: true, session: { sessionId, deviceIds: ['QUEST_001', 'QUEST_002'] } });
    const rest = await uploader.putAll(upload, file, [2]);
    expect((await uploader.complete(upload, [...firstPart, ...rest])).status).toBe(200);
    for (const [id, headset] of headsets) expect(await headset.ask('device-telemetry', telemetry(id))).toEqual({ ok: true });
    expect((await one.store.devices.get('QUEST_002'))?.isOnline).toBe(true);
    // Broadcasts cross processes again (the adapter's clients followed the failover too).
    const announced = tabletB.next('on-device-locks-updated', (statuses) =>
      statuses.some((s) => s.deviceId === 'QUEST_003' && s.isLocked === false),
    );
    const holder = (await one.store.locks.get('QUEST_003'))!.tabletId;
    expect(await (holder === 'TABLET_A' ? tabletA : tabletB).ask('tablet-unlock-device', 'QUEST_003')).toMatchObject({ ok: true });
    await announced;
  }, 60_000);
});
