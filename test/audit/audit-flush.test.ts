import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { identifiedHeadset, tabletClient } from '../helpers/clients';
import type { TimelineEntryView } from '../../src/protocol';

const redis = useTestRedis();

async function audit(server: CaptureServer, query = ''): Promise<TimelineEntryView[]> {
  await server.services.audit.drained();
  const res = await fetch(`${server.url()}/api/audit?limit=500${query}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: TimelineEntryView[] }).entries;
}

/** The admin's action the attacker tried to push out. */
async function adminMintsToken(server: CaptureServer): Promise<void> {
  const res = await fetch(`${server.url()}/auth/device-token`, {
    method: 'POST',
    headers: { 'x-api-key': server.config.auth.adminApiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId: 'QUEST_042', deviceType: 'headset' }),
  });
  expect(res.status).toBe(200);
}

/** Issue 37, item 5: one actor's writes never push another actor's entries out of the audit log. */
describe.each(STORE_KINDS)('audit log under one actor’s flood on the %s store', (kind) => {
  const start = serverFactory(kind, redis, {
    TIMELINE_MAX_ENTRIES: '100',
    AUDIT_MAX_ENTRIES_PER_ACTOR: '20',
    AUDIT_REFUSALS_PER_ACTOR_PER_MINUTE: '5',
    SOCKET_EVENTS_PER_SECOND: '10000',
    SOCKET_EVENT_BURST: '10000',
  });

  it('summarizes a dashboard token’s refused acks past its budget, and the admin’s entry stays', async () => {
    const server = await start();
    await adminMintsToken(server);
    const dashboard = { authorization: `Bearer ${server.tokens.sign('DASH_1', 'dashboard')}` };
    // Before: each refused ack was an entry, and 10,000 of them pushed every other actor's out.
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${server.url()}/api/alarms/no-such-alarm-${i}/ack`, { method: 'POST', headers: dashboard });
      expect(res.status).toBe(404);
    }
    server.services.audit.flushRefusalSummaries();
    const entries = await audit(server);
    expect(entries.filter((e) => e.actor?.id === 'admin').map((e) => e.kind)).toEqual(['token.minted']);
    const own = entries.filter((e) => e.actor?.id === 'DASH_1');
    expect(own.map((e) => e.kind)).toEqual(['audit.refusals-summarized', ...Array(5).fill('rest.write')]);
    expect(own[0]!.details).toMatchObject({ count: 295, kinds: 'rest.write: 295' });
    const metrics = await server.metrics.registry.getSingleMetric('turing_timeline_entries_total')!.get();
    expect(metrics.values.find((v) => v.labels.outcome === 'summarized')?.value).toBe(295);
  });

  it('caps one actor’s accepted actions at its own share, dropping only its own oldest', async () => {
    const server = await start();
    await adminMintsToken(server);
    await identifiedHeadset(server, 'H1');
    const flooder = await tabletClient(server, 'TABLET_A');
    // 120 accepted actions: more than TIMELINE_MAX_ENTRIES, which used to cap the whole log.
    for (let i = 0; i < 60; i++) {
      expect(await flooder.ask('tablet-lock-device', 'H1')).toMatchObject({ ok: true });
      expect(await flooder.ask('tablet-unlock-device', 'H1')).toMatchObject({ ok: true });
    }
    const entries = await audit(server);
    expect(entries.filter((e) => e.actor?.id === 'admin').map((e) => e.kind)).toEqual(['token.minted']);
    const own = entries.filter((e) => e.actor?.id === 'TABLET_A');
    expect(own).toHaveLength(20);
    expect(own[0]!.kind).toBe('lock.unlocked');
    // Paging through the whole log sees the same: the flooder's newest 20, then the admin's.
    const firstPage = await fetch(`${server.url()}/api/audit?limit=15`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
    const { nextCursor } = (await firstPage.json()) as { nextCursor: string };
    const rest = await audit(server, `&cursor=${encodeURIComponent(nextCursor)}`);
    expect(rest.map((e) => e.actor?.id)).toEqual([...Array(5).fill('TABLET_A'), 'admin']);
    // Its device's timeline is a stream of its own, capped by TIMELINE_MAX_ENTRIES as before.
    const device = await fetch(`${server.url()}/api/devices/H1/timeline?kind=lock&limit=500`, {
      headers: { 'x-api-key': server.config.auth.adminApiKey },
    });
    expect(((await device.json()) as { count: number }).count).toBe(100);
  });
});
