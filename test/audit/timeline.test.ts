import { csvFields } from '../helpers/csv';
import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { connectClient, eventually, identifiedHeadset, sleep, tabletClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import type { TimelineEntryView } from '../../src/protocol';

const redis = useTestRedis();

async function get(server: CaptureServer, path: string) {
  const res = await fetch(`${server.url()}${path}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function entries(server: CaptureServer, path: string): Promise<TimelineEntryView[]> {
  await server.services.audit.drained();
  const res = await get(server, path);
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { entries: TimelineEntryView[] }).entries;
}

const kinds = (list: TimelineEntryView[]) => list.map((e) => e.kind);

describe.each(STORE_KINDS)('device timeline and audit log on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { RECORDING_ACK_TIMEOUT_MS: '400', DEVICE_STALE_MS: '400' });

  it('records every device event and operator action, newest first, and delivers device entries live to viewers', async () => {
    const server = await start();
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    const h = await identifiedHeadset(server, 'QUEST_001');
    await dashboard.ask('dashboard-watch-device', 'QUEST_001');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'QUEST_001');
    expect(await dashboard.next('on-device-timeline-entry', (e) => e.kind === 'lock.locked')).toEqual([
      expect.objectContaining({ deviceIds: ['QUEST_001'], actor: { kind: 'tablet', id: 'TABLET_A' }, outcome: 'ok' }),
    ]);

    // Battery 0.8 -> 0.45 -> 0.15: below 50 %, then below 20 %; app update noted.
    await h.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.8 }));
    await h.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.45 }));
    await h.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.15, appVersion: '2.4.0' }));
    await t.ask('tablet-start-recording', { deviceId: 'QUEST_001', commandId: 'rec-1' });
    await h.ask('headset-recording-state', true);
    await t.ask('tablet-sync-metadata', '{"participant":"P7"}', 'QUEST_001');
    await t.ask('tablet-stop-recording', { deviceId: 'QUEST_001', commandId: 'rec-2' });
    // Entries other features publish (uploads, recordings, alarms).
    const upload = { uploadId: 'u1', key: 'sessions/x/a.mp4', fileType: 'video', fileSize: 10, deviceId: 'QUEST_001' } as const;
    await server.events.publish('upload.changed', { ...upload, change: 'started' });
    await server.events.publish('upload.changed', { ...upload, change: 'completed', etag: '"e"' });
    await server.events.publish('upload.changed', { ...upload, uploadId: 'u2', change: 'aborted' });
    await server.events.publish('recording.verdict', {
      recordingId: 'R1',
      deviceId: 'QUEST_001',
      verdict: 'fail',
      qaScore: 41,
      reasons: ['dropped frames', 'short'],
    });
    const operator = { kind: 'dashboard' as const, id: 'DASH_1' };
    await server.events.publish('recording.reviewed', { recordingId: 'R1', deviceId: 'QUEST_001', decision: 'discard', actor: operator });
    const alarm = { alarmId: 'A1', deviceId: 'QUEST_001', type: 'battery-low', severity: 'warning' } as const;
    await server.events.publish('alarm.changed', { ...alarm, change: 'raised' });
    await server.events.publish('alarm.changed', { ...alarm, change: 'updated' });
    await server.events.publish('alarm.changed', { ...alarm, change: 'acknowledged', actor: operator });
    await server.events.publish('alarm.changed', { ...alarm, change: 'cleared' });
    // Silent past DEVICE_STALE_MS, then heard again.
    await eventually(async () => expect(kinds(await entries(server, '/api/devices/QUEST_001/timeline'))).toContain('device.stale'));
    await h.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.15, appVersion: '2.4.0', isRecording: true }));
    await eventually(async () => expect(kinds(await entries(server, '/api/devices/QUEST_001/timeline'))).toContain('device.responsive'));
    await t.ask('tablet-unlock-device', 'QUEST_001');
    h.close();

    let timeline: TimelineEntryView[] = [];
    await eventually(async () => {
      timeline = await entries(server, '/api/devices/QUEST_001/timeline?limit=500');
      expect(kinds(timeline)).toEqual(expect.arrayContaining(['recording.stopped', 'device.disconnected']));
    });
    // Presence and the unconfirmed stop command's expiry depend on timers: checked apart from the order.
    const timed = new Set(['device.stale', 'device.responsive', 'command.expired', 'command.failed']);
    // The real alarm rules raise their own alarms from this telemetry (low battery while recording...): only the ones published above are checked here.
    const oldestFirst = kinds(timeline.filter((e) => !e.kind.startsWith('alarm.') || e.details?.alarmId === 'A1')).reverse();
    expect(oldestFirst.filter((k) => timed.has(k)).sort()).toEqual(['command.expired', 'device.responsive', 'device.stale']);
    expect(oldestFirst.filter((k) => !timed.has(k))).toEqual([
      'device.connected',
      'lock.locked',
      'battery.below',
      'battery.below',
      'device.version-changed',
      'command.sent',
      'command.confirmed',
      'recording.started',
      'metadata.synced',
      'command.sent',
      'upload.started',
      'upload.completed',
      'upload.aborted',
      'recording.verdict',
      'recording.reviewed',
      'alarm.raised',
      'alarm.acknowledged',
      'alarm.cleared',
      'lock.unlocked',
      'device.disconnected',
      'recording.stopped',
    ]);
    const find = (k: string) => timeline.filter((e) => e.kind === k);
    expect(find('battery.below').map((e) => e.details)).toEqual([
      { threshold: 20, level: 15 },
      { threshold: 50, level: 45 },
    ]);
    expect(find('device.version-changed')[0]!.details).toEqual({ field: 'appVersion', from: '2.3.0', to: '2.4.0' });
    expect(find('recording.started')[0]!.details).toEqual({ commandId: 'rec-1' });
    expect(find('command.sent').at(-1)).toMatchObject({
      actor: { kind: 'tablet', id: 'TABLET_A' },
      outcome: 'ok',
      details: { commandId: 'rec-1' },
    });
    expect(find('command.expired')[0]!.details).toMatchObject({ commandId: 'rec-2', reason: 'no confirmation within 400 ms' });
    expect(find('recording.verdict')[0]!.details).toEqual({
      recordingId: 'R1',
      verdict: 'fail',
      qaScore: 41,
      reasons: 'dropped frames; short',
    });
    expect(find('alarm.acknowledged')[0]!.actor).toEqual(operator);
    expect(find('upload.completed')[0]!.details).toEqual({ uploadId: 'u1', key: 'sessions/x/a.mp4', fileType: 'video', fileSize: 10 });

    // The audit log: operator actions only, with actor and outcome; filtered by actor and action.
    const auditKinds = kinds(await entries(server, '/api/audit?actor=TABLET_A'));
    expect(auditKinds).toEqual(['lock.unlocked', 'command.sent', 'metadata.synced', 'command.sent', 'lock.locked']);
    expect(kinds(await entries(server, '/api/audit?action=command'))).toEqual(['command.sent', 'command.sent']);
    expect(kinds(await entries(server, '/api/audit?actorKind=dashboard'))).toEqual(['alarm.acknowledged', 'recording.reviewed']);
    expect((await get(server, '/api/audit?actor=bad%20id')).status).toBe(400);
    const badCursor = await get(server, '/api/devices/QUEST_001/timeline?cursor=nope');
    expect(badCursor.status).toBe(400);
    expect(JSON.parse(badCursor.text)).toMatchObject({ ok: false, code: 'invalid_cursor' });

    // Pages: newest first, each page older than the last.
    const first = await get(server, '/api/devices/QUEST_001/timeline?limit=3');
    const page1 = JSON.parse(first.text) as { entries: TimelineEntryView[]; nextCursor: string };
    const page2 = await entries(server, `/api/devices/QUEST_001/timeline?limit=3&cursor=${page1.nextCursor}`);
    expect([...kinds(page1.entries), ...kinds(page2)]).toEqual(kinds(timeline).slice(0, 6));
    expect(page1.entries[0]!.id).toBe(timeline[0]!.id);
  });

  it('audits token minting, operator REST writes and denied commands, and never fails an action when the log cannot be written', async () => {
    const server = await start();
    const key = { 'x-api-key': server.config.auth.adminApiKey, 'content-type': 'application/json' };
    const minted = await fetch(`${server.url()}/auth/device-token`, {
      method: 'POST',
      headers: key,
      body: JSON.stringify({ deviceId: 'QUEST_009', deviceType: 'headset' }),
    });
    expect(minted.status).toBe(200);
    const refused = await fetch(`${server.url()}/chunked-upload/abort`, { method: 'POST', headers: key, body: '{}' });
    expect(refused.status).toBe(400);
    const h = await identifiedHeadset(server, 'H1');
    const t = await tabletClient(server, 'TABLET_B');
    // A command to a headset it does not hold is counted, not audited (issue 37); one to its own offline headset is.
    await t.ask('tablet-start-recording', 'H1');
    await t.ask('tablet-lock-device', 'H1');
    h.close();
    await t.next('on-device-disconnected');
    await t.ask('tablet-start-recording', 'H1');
    const audit = await entries(server, '/api/audit');
    expect(audit.map((e) => [e.kind, e.actor?.kind, e.outcome])).toEqual([
      ['command.denied', 'tablet', 'denied'],
      ['lock.locked', 'tablet', 'ok'],
      ['rest.write', 'admin', 'failed'],
      ['token.minted', 'admin', 'ok'],
    ]);
    expect(audit[2]!.details).toEqual({ method: 'POST', route: '/chunked-upload/abort', status: 400 });
    expect(audit[3]!.details).toEqual({ deviceId: 'QUEST_009', deviceType: 'headset' });

    // The store refuses the log: the action goes on, the loss is counted.
    server.store.timeline.append = () => Promise.reject(new Error('store down'));
    expect(await t.ask('tablet-unlock-device', 'H1')).toMatchObject({ ok: true });
    await server.services.audit.drained();
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_timeline_entries_total\{outcome="failed"\} [1-9]/);
  });

  it("reads a session's timeline: its transitions and what touched its headsets while it ran, also as CSV", async () => {
    const server = await start();
    const h1 = await identifiedHeadset(server, 'H1');
    await identifiedHeadset(server, 'H2');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-devices', ['H1', 'H2']);
    // The session's window opens at its creation millisecond: a lock taken in that
    // same millisecond would count as during it (a warm run is fast enough for that).
    await sleep(5);
    const { sessionId } = (await t.ask('tablet-create-session', { deviceIds: ['H1', 'H2'] })) as unknown as { sessionId: string };
    await t.ask('tablet-start-session', sessionId);
    await h1.ask('headset-recording-state', true);
    await t.ask('tablet-end-session', sessionId);
    await server.services.audit.drained();
    // After its end: not part of it. Its window closes at the end's millisecond, which a
    // warm run can still be in, as at its start above.
    await sleep(5);
    await server.events.publish('recording.verdict', { recordingId: 'late', deviceId: 'H1', verdict: 'pass', qaScore: 90, reasons: [] });

    const timeline = await entries(server, `/api/sessions/${sessionId}/timeline?limit=500`);
    const list = kinds(timeline);
    expect(list.at(-1)).toBe('session.created');
    expect(list).toEqual(
      expect.arrayContaining(['session.started', 'session.ended', 'command.sent', 'command.confirmed', 'recording.started']),
    );
    expect(list).not.toContain('recording.verdict');
    expect(timeline.find((e) => e.kind === 'session.started')).toMatchObject({ sessionId, actor: { kind: 'tablet', id: 'TABLET_A' } });
    expect(timeline.filter((e) => e.kind === 'command.sent').every((e) => e.sessionId === sessionId)).toBe(true);

    const csv = await get(server, `/api/sessions/${sessionId}/timeline?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toBe('id,at,kind,deviceIds,sessionId,actorKind,actorId,outcome,details');
    expect(rows.slice(1).map((r) => csvFields(r)[2])).toEqual(list);
    expect(csvFields(rows.find((r) => r.includes(',"session.started",'))!).slice(4, 8)).toEqual([sessionId, 'tablet', 'TABLET_A', 'ok']);
    const audit = await get(server, '/api/audit?format=csv&action=session');
    expect(audit.text.trim().split('\r\n')).toHaveLength(4);
    expect((await get(server, '/api/sessions/nope/timeline')).status).toBe(404);
  });

  it('keeps one telemetry sample per device per minute for the history', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    await h.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.7 }));
    await h.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.69 }));
    await server.services.audit.drained();
    const res = await get(server, '/api/devices/H1/telemetry-history');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { samples: Array<{ at: string; values: Record<string, unknown> }> };
    expect(body.samples).toHaveLength(1);
    expect(body.samples[0]!.values).toMatchObject({
      batteryLevel: 0.7,
      storageUsedBytes: 10e9,
      cpuTemperature: 41.5,
      leftHandTracked: true,
    });
    expect((await get(server, '/api/devices/H1/telemetry-history?from=yesterday')).status).toBe(400);
  });

  it('records nothing with TIMELINE_ENABLED=false', async () => {
    const server = await start({ TIMELINE_ENABLED: 'false' });
    const h = await identifiedHeadset(server, 'H1');
    await h.ask('device-telemetry', telemetry('H1'));
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'H1');
    expect(await entries(server, '/api/devices/H1/timeline')).toEqual([]);
    expect(await entries(server, '/api/audit')).toEqual([]);
  });
});

describe('one timeline per device across processes', () => {
  it('writes each event once, from the process where it happened, in one order', async () => {
    const { startServer } = await import('../helpers/test-server');
    const prefix = redis().uniquePrefix();
    const env = { REDIS_URL: redis().url, REDIS_KEY_PREFIX: prefix };
    const a = await startServer({ env });
    const b = await startServer({ env });
    try {
      const h = await identifiedHeadset(a, 'H1');
      const t = await tabletClient(b, 'TABLET_A');
      await t.ask('tablet-lock-device', 'H1');
      await t.ask('tablet-start-recording', 'H1');
      await h.ask('headset-recording-state', true);
      await t.ask('tablet-unlock-device', 'H1');
      await Promise.all([a.services.audit.drained(), b.services.audit.drained()]);
      const expected = ['device.connected', 'lock.locked', 'command.sent', 'command.confirmed', 'recording.started', 'lock.unlocked'];
      for (const server of [a, b]) {
        const timeline = await entries(server, '/api/devices/H1/timeline');
        expect(kinds(timeline).reverse()).toEqual(expected);
        const ids = timeline.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
