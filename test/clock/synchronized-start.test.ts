import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { SessionView } from '../../src/protocol';
import { eventually, identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { skewedHeadset, type SkewedHeadset } from './skewed-headset';

/**
 * Issue 33, items 2 and 3: a tablet's start with startAt reaches each headset
 * in its own clock; what the headsets report of their start is kept in server
 * time on the ledger, the recording and the session, with the spread of the
 * start and an alarm when it is too wide. The old payloads are unchanged.
 */
const redis = useTestRedis();
/** Two WallClocks of one process, calibrated each on its own (see clock.test.ts). */
const CALIBRATION_MS = 0.5;

const measured = (server: CaptureServer, deviceId: string) =>
  eventually(async () => {
    const clock = await server.services.clock.estimate(deviceId);
    if (!clock) throw new Error(`${deviceId} not measured yet`);
    return clock;
  });

/** The headset starts when told, `lateMs` after the time it was given, and reports that in its own clock. */
function startsWhenTold(headset: SkewedHeadset, lateMs: number) {
  headset.client.socket.on('on-tablet-start-recording', (plan) => {
    const startedAtDeviceTime = Math.round((plan?.startAtDeviceTime ?? headset.deviceNow()) + lateMs);
    // A command arriving as the test closes the socket has nobody to answer: ignored.
    headset.client.ask('headset-recording-state', { isRecording: true, startedAtDeviceTime }).catch(() => undefined);
  });
}

describe.each(STORE_KINDS)('synchronized starts (%s store)', (kind) => {
  const make = serverFactory(kind, redis);

  it('tells each headset startAt in its own clock, and keeps how each start went on the ledger and the recording', async () => {
    const server = await make();
    const h1 = await skewedHeadset(server, 'H1', { offsetMs: 2_000 });
    const h2 = await skewedHeadset(server, 'H2', { offsetMs: -3_000.25, driftPpm: 50 });
    const [c1, c2] = [await measured(server, 'H1'), await measured(server, 'H2')];
    startsWhenTold(h1, 2);
    startsWhenTold(h2, 7);
    const tablet = await tabletClient(server, 'T1');
    expect((await tablet.ask('tablet-lock-devices', ['H1', 'H2'])).ok).toBe(true);

    const startAt = Date.now() + 1_000;
    const answer = await tablet.ask('tablet-start-all-recording', { startAt, commandId: 'sync-1' });
    expect(answer).toMatchObject({ ok: true, denied: [] });
    expect((answer.sent as string[]).sort()).toEqual(['H1', 'H2']);
    const [plan1] = await h1.client.next('on-tablet-start-recording');
    const [plan2] = await h2.client.next('on-tablet-start-recording');
    expect(plan1).toMatchObject({ commandId: 'sync-1.H1', startAt });
    expect(Math.abs(plan1!.startAtDeviceTime - (startAt + h1.trueOffset(startAt)))).toBeLessThanOrEqual(
      c1.uncertaintyMs + CALIBRATION_MS + 1,
    );
    expect(Math.abs(plan2!.startAtDeviceTime - (startAt + h2.trueOffset(startAt)))).toBeLessThanOrEqual(
      c2.uncertaintyMs + CALIBRATION_MS + 1,
    );

    const startOf = (commandId: string) =>
      eventually(async () => {
        const start = (await server.store.commands.get(commandId))?.start;
        if (!start) throw new Error(`${commandId} has no start yet`);
        return start;
      });
    const [start1, start2] = [await startOf('sync-1.H1'), await startOf('sync-1.H2')];
    expect(start1).toMatchObject({ startAt, commandId: 'sync-1.H1', batchId: 'sync-1', startedAtDeviceTime: expect.any(Number) });
    expect(start1.clock?.offsetMs).toBeCloseTo(c1.offsetMs, 0);
    expect(Math.abs(start1.startErrorMs! - 2)).toBeLessThanOrEqual(c1.uncertaintyMs + CALIBRATION_MS + 1);
    expect(Math.abs(start2.startErrorMs! - 7)).toBeLessThanOrEqual(c2.uncertaintyMs + CALIBRATION_MS + 1);
    expect(start1.startedAt).toBe(startAt + start1.startErrorMs!);
    // The command's record answers as it is kept; the take's record and its manifest carry the same.
    const listed = await fetch(`${server.url()}/api/commands?deviceId=H1`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
    expect(((await listed.json()) as { commands: unknown[] }).commands[0]).toMatchObject({
      startAt,
      start: { startErrorMs: start1.startErrorMs },
    });
    const [take] = (await server.store.recordings.list({ deviceId: 'H2', limit: 1 })).recordings;
    expect(take?.start).toEqual(start2);
  });

  it('keeps each headset’s start and the spread on the session; a plain start raises no start_spread', async () => {
    const server = await make({ SYNC_MAX_SPREAD_MS: '50' });
    const h1 = await skewedHeadset(server, 'H1', { offsetMs: 800 });
    const h2 = await skewedHeadset(server, 'H2', { offsetMs: -1_200 });
    await Promise.all([measured(server, 'H1'), measured(server, 'H2')]);
    const tablet = await tabletClient(server, 'T1');
    expect((await tablet.ask('tablet-lock-devices', ['H1', 'H2'])).ok).toBe(true);
    const sessionId = (await tablet.ask('tablet-create-session', { deviceIds: ['H1', 'H2'] })).sessionId as string;
    // H1 starts as soon as it is told; H2 a tenth of a second later than H1 would have.
    const reports: Array<Promise<unknown>> = [];
    h1.client.socket.on('on-tablet-start-recording', () => {
      reports.push(h1.client.ask('headset-recording-state', { isRecording: true, startedAtDeviceTime: h1.deviceNow() }));
    });
    h2.client.socket.on('on-tablet-start-recording', () => {
      reports.push(h2.client.ask('headset-recording-state', { isRecording: true, startedAtDeviceTime: h2.deviceNow() + 120 }));
    });
    expect((await tablet.ask('tablet-start-session', sessionId)).ok).toBe(true);

    const view = await eventually(async () => {
      const got = await tablet.ask('tablet-get-session', sessionId);
      const session = got.session as SessionView | undefined;
      expect(session?.startSpreadMs, JSON.stringify(got)).toBeGreaterThan(100);
      return session!;
    });
    expect(view.startSpreadMs).toBeLessThan(150);
    expect(view.deviceStatuses.H1?.startedAt).toBeGreaterThan(0);
    expect(view.deviceStatuses.H1?.startBatchId).toBe(view.deviceStatuses.H2?.startBatchId);
    const rest = await fetch(`${server.url()}/api/sessions/${sessionId}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
    expect(((await rest.json()) as { session: SessionView }).session.startSpreadMs).toBe(view.startSpreadMs);
    // Both reports answered: each was handled in full, the spread checked or not.
    await Promise.all(reports);
    expect(await server.services.alarms.open(['H1', 'H2'])).toEqual([]);
  });

  it('raises start_spread on the headsets of a synchronized start that started too far apart', async () => {
    const server = await make({ SYNC_MAX_SPREAD_MS: '50' });
    const h1 = await skewedHeadset(server, 'H1', { offsetMs: 800 });
    const h2 = await skewedHeadset(server, 'H2', { offsetMs: -1_200 });
    await Promise.all([measured(server, 'H1'), measured(server, 'H2')]);
    startsWhenTold(h1, 0);
    startsWhenTold(h2, 120);
    const tablet = await tabletClient(server, 'T1');
    expect((await tablet.ask('tablet-lock-devices', ['H1', 'H2'])).ok).toBe(true);
    expect((await tablet.ask('tablet-create-session', { deviceIds: ['H1', 'H2'] })).ok).toBe(true);
    expect((await tablet.ask('tablet-start-all-recording', { startAt: Date.now() + 600, commandId: 'sync-2' })).ok).toBe(true);
    await eventually(async () => {
      const open = await server.services.alarms.open(['H1', 'H2']);
      expect(open.map((a) => [a.deviceId, a.type]).sort()).toEqual([
        ['H1', 'start_spread'],
        ['H2', 'start_spread'],
      ]);
    });
  });

  it('refuses a startAt too soon or too far ahead with a code, and sends nothing', async () => {
    const server = await make({ CLOCK_MIN_LEAD_MS: '500' });
    const headset = await identifiedHeadset(server, 'H1');
    const tablet = await tabletClient(server, 'T1');
    expect((await tablet.ask('tablet-lock-device', 'H1')).ok).toBe(true);
    for (const startAt of [Date.now() + 100, Date.now() + 61_000, Date.now() - 1_000]) {
      expect(await tablet.ask('tablet-start-recording', { deviceId: 'H1', startAt })).toMatchObject({
        ok: false,
        code: 'invalid_start_time',
      });
      expect(await tablet.ask('tablet-start-all-recording', { startAt })).toMatchObject({ ok: false, code: 'invalid_start_time' });
    }
    expect(headset.count('on-tablet-start-recording')).toBe(0);
    expect((await server.store.commands.list({ deviceId: 'H1', limit: 10 })).commands).toEqual([]);
  });

  it('keeps the old payloads as they were, and gives an unmeasured headset startAt as it is', async () => {
    const server = await make({ CLOCK_SYNC_TIMEOUT_MS: '200' });
    const old = await identifiedHeadset(server, 'OLD');
    const tablet = await tabletClient(server, 'T1');
    expect((await tablet.ask('tablet-lock-device', 'OLD')).ok).toBe(true);
    expect((await tablet.ask('tablet-start-recording', 'OLD')).ok).toBe(true);
    expect(await old.next('on-tablet-start-recording')).toEqual([]);
    // The spec's boolean report confirms it; the start is the report's arrival, without a device time.
    expect((await old.ask('headset-recording-state', true)).ok).toBe(true);
    const record = await eventually(async () => {
      const [latest] = (await server.store.commands.list({ deviceId: 'OLD', limit: 1 })).commands;
      expect(latest?.state).toBe('confirmed');
      return latest!;
    });
    expect(record.start).toEqual({ commandId: record.commandId, startedAt: expect.any(Number) });
    expect((await old.ask('headset-recording-state', false)).ok).toBe(true);

    const startAt = Date.now() + 800;
    expect((await tablet.ask('tablet-start-recording', { deviceId: 'OLD', startAt })).ok).toBe(true);
    expect(await old.next('on-tablet-start-recording')).toEqual([{ commandId: expect.any(String), startAt, startAtDeviceTime: startAt }]);
  });
});
