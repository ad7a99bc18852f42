import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { identifiedHeadset, tabletClient } from '../helpers/clients';

const redis = useTestRedis();

async function get(server: CaptureServer, path: string) {
  await server.services.audit.drained();
  const res = await fetch(`${server.url()}${path}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  return { status: res.status, body: (await res.json()) as { entries?: Array<{ kind: string }>; commands?: unknown[] } };
}

async function refusedTotal(server: CaptureServer, code: string): Promise<number> {
  const metric = await server.metrics.registry.getSingleMetric('turing_commands_refused_total')!.get();
  return metric.values.find((v) => v.labels.code === code)?.value ?? 0;
}

/** Issue 37, item 6: the command ledger cannot be grown by refusals or by one tablet's flood. */
describe.each(STORE_KINDS)('command ledger under a flood on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { RECORDING_ACK_TIMEOUT_MS: '2000', COMMANDS_PER_TABLET: '10' });

  it('counts a tablet’s refused commands for headsets it does not hold or that do not exist, stores none, and gives no timeline', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    const owner = await tabletClient(server, 'TABLET_A');
    await owner.ask('tablet-lock-device', 'H1');
    const intruder = await tabletClient(server, 'TABLET_X');
    const targets = ['H1', ...Array.from({ length: 24 }, (_, i) => `INVENTED_${i}`)];
    for (const deviceId of targets) {
      expect(await intruder.ask('tablet-start-recording', { deviceId, commandId: `x-${deviceId}` })).toMatchObject({
        ok: false,
        code: 'not_holder',
      });
    }
    expect(await refusedTotal(server, 'not_holder')).toBe(targets.length);
    // Before: 25 failed records for 30 days, and a timeline for each invented device.
    expect((await server.store.commands.list({ issuedBy: 'TABLET_X', limit: 100 })).commands).toEqual([]);
    for (const deviceId of ['INVENTED_0', 'INVENTED_23']) {
      const timeline = await get(server, `/api/devices/${deviceId}/timeline`);
      expect(timeline.status).toBe(200);
      expect(timeline.body.entries).toEqual([]);
    }
    const audit = await get(server, '/api/audit?actor=TABLET_X');
    expect(audit.body.entries).toEqual([]);
    expect(h.count('on-tablet-start-recording')).toBe(0);
  });

  it('keeps at most COMMANDS_PER_TABLET records of one tablet, forgetting its own oldest, never another tablet’s', async () => {
    const server = await start();
    await identifiedHeadset(server, 'H1');
    await identifiedHeadset(server, 'H2');
    const flooder = await tabletClient(server, 'TABLET_A');
    const other = await tabletClient(server, 'TABLET_B');
    await flooder.ask('tablet-lock-device', 'H1');
    await other.ask('tablet-lock-device', 'H2');
    for (const n of [1, 2, 3])
      expect(await other.ask('tablet-start-recording', { deviceId: 'H2', commandId: `b-${n}` })).toMatchObject({ ok: true });
    for (let n = 1; n <= 25; n++) {
      expect(await flooder.ask('tablet-start-recording', { deviceId: 'H1', commandId: `a-${n}` })).toMatchObject({ ok: true });
    }
    const own = (await server.store.commands.list({ issuedBy: 'TABLET_A', limit: 100 })).commands.map((c) => c.commandId);
    // Before: all 25 (at ~88 a second, 30 days of them).
    expect(own.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `a-${i + 16}`).sort());
    expect(await server.store.commands.get('a-1')).toBeNull();
    const others = (await server.store.commands.list({ issuedBy: 'TABLET_B', limit: 100 })).commands.map((c) => c.commandId);
    expect(others.sort()).toEqual(['b-1', 'b-2', 'b-3']);
    // The newest command still works end to end: it is pending for the headset.
    expect((await server.store.commands.pendingFor('H1')).map((c) => c.commandId)).toEqual(['a-25']);
  });

  it('audits a refused command to a headset the tablet holds (offline), still without a ledger record', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'H1');
    h.close();
    await t.next('on-device-disconnected');
    expect(await t.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'off-1' })).toMatchObject({
      ok: false,
      code: 'device_offline',
    });
    expect(await server.store.commands.get('off-1')).toBeNull();
    expect(await refusedTotal(server, 'device_offline')).toBe(1);
    const timeline = await get(server, '/api/devices/H1/timeline?kind=command.denied');
    expect(timeline.body.entries).toEqual([
      expect.objectContaining({ kind: 'command.denied', actor: { kind: 'tablet', id: 'TABLET_A' }, outcome: 'denied' }),
    ]);
  });
});
