import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { CaptureHttp } from '@capture-backend/client';
import { encodeCursor } from '../../src/domain/cursor';
import type { CommandRecord, RecordingRecord, SessionRecord } from '../../src/state';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/**
 * Every paged REST list speaks the one cursor (src/domain/cursor.ts): its own
 * cursors walk it item by item, and a cursor it did not give out (garbage, a
 * Redis stream ID, another list's) is a 400 `invalid_cursor`, never a 500 and
 * never a silent restart at the first page. On both stores.
 */

const redis = useTestRedis();

const T = Date.now() - 60_000;
const SESSION_ID = 'S_PAGED';

/** Each paged list: its path, and the field naming an item of its answer. */
const LISTS = {
  sessions: { path: '/api/sessions', items: 'sessions', key: 'sessionId' },
  commands: { path: '/api/commands', items: 'commands', key: 'commandId' },
  recordings: { path: '/api/recordings', items: 'recordings', key: 'recordingId' },
  alarms: { path: '/api/alarms', items: 'alarms', key: 'alarmId' },
  'device-timeline': { path: '/api/devices/H1/timeline', items: 'entries', key: 'id' },
  'session-timeline': { path: `/api/sessions/${SESSION_ID}/timeline`, items: 'entries', key: 'id' },
  audit: { path: '/api/audit', items: 'entries', key: 'id' },
} as const;
type List = keyof typeof LISTS;
const NAMES = Object.keys(LISTS) as List[];

const MESSAGE = 'cursor is not one this API gave out';

async function api(server: CaptureServer, path: string) {
  const res = await fetch(`${server.url()}${path}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

const session = (sessionId: string, createdAt: number): SessionRecord => ({
  sessionId,
  tabletId: 'TABLET_A',
  deviceIds: ['H1'],
  status: 'completed',
  createdAt: new Date(createdAt),
  deviceStatuses: {},
});

const command = (commandId: string, issuedAt: number): CommandRecord => ({
  commandId,
  action: 'start',
  deviceId: 'H1',
  issuedBy: { kind: 'tablet', id: 'TABLET_A' },
  issuedAt: new Date(issuedAt),
  state: 'confirmed',
  updatedAt: new Date(issuedAt),
  expected: true,
  deadline: new Date(issuedAt + 5_000),
});

const recording = (recordingId: string, createdAt: number): RecordingRecord => ({
  recordingId,
  deviceId: 'H1',
  createdAt: new Date(createdAt),
  updatedAt: new Date(createdAt),
  state: 'recording',
  files: {},
  tags: {},
  history: [],
});

/** Three items in every list (two share a time, so paging must order by ID too). */
async function seed(server: CaptureServer): Promise<void> {
  const { store } = server;
  for (const [i, at] of [T, T + 1000, T + 1000].entries()) {
    await store.sessions.save(session(`S${i}`, at));
    await store.commands.create(command(`cmd-${i}`, at));
    await store.recordings.update(`20260206_14300${i}_H1`, () => ({ next: recording(`20260206_14300${i}_H1`, at), result: undefined }));
    await store.alarms.raise(
      { deviceId: `H${i}`, type: 'battery_critical', severity: 'critical', message: 'battery 9 %', value: 9, at: new Date(at) },
      `alarm-${i}`,
    );
  }
  await store.sessions.save(session(SESSION_ID, T - 1000));
  // Operator actions on H1 (its timeline and the audit log), and the session's own transitions.
  await store.timeline.append(
    [0, 1, 2].map((i) => ({
      at: new Date(),
      kind: 'lock.locked',
      deviceIds: ['H1'],
      actor: { kind: 'tablet' as const, id: `TABLET_${i}` },
    })),
  );
  await store.timeline.append([0, 1].map(() => ({ at: new Date(), kind: 'session.started', deviceIds: [], sessionId: SESSION_ID })));
}

/** Every item of a list, walked one per page with its own cursors; and the first page's cursor. */
async function walk(server: CaptureServer, list: List): Promise<{ keys: string[]; firstCursor: string }> {
  const { path, items, key } = LISTS[list];
  const keys: string[] = [];
  let cursor: string | undefined;
  let firstCursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await api(server, withQuery(path, `limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    expect(res.status, `${list} page ${page}: ${res.text}`).toBe(200);
    keys.push(...(res.body[items] as Array<Record<string, string>>).map((item) => item[key]!));
    cursor = res.body.nextCursor as string | undefined;
    firstCursor ??= cursor;
    if (!cursor) break;
  }
  return { keys, firstCursor: firstCursor! };
}

describe.each(STORE_KINDS)('paged lists and their cursors on the %s store', (kind) => {
  const start = serverFactory(kind, redis);

  it('walks every list item by item with its own cursors, each item once', async () => {
    const server = await start();
    await seed(server);
    for (const list of NAMES) {
      const { keys } = await walk(server, list);
      const all = await api(server, withQuery(LISTS[list].path, 'limit=500'));
      const expected = (all.body[LISTS[list].items] as Array<Record<string, string>>).map((item) => item[LISTS[list].key]!);
      expect(expected.length, list).toBeGreaterThanOrEqual(2);
      expect(keys, list).toEqual(expected);
    }
  });

  it('says beside each page (count) how many items match across all pages (total), and the typed client walks them all', async () => {
    const server = await start();
    await seed(server);
    const counted = { sessions: 4, commands: 3, recordings: 3, alarms: 3 } as const;
    for (const [list, total] of Object.entries(counted) as Array<[keyof typeof counted, number]>) {
      const res = await api(server, withQuery(LISTS[list].path, 'limit=1'));
      expect(res.body, list).toMatchObject({ count: 1, total, totalExact: true });
    }
    // A filter beyond the index the Redis store counts: an upper bound there, exact in memory.
    const filtered = (await api(server, '/api/sessions?status=pending')).body;
    expect(filtered).toMatchObject({ count: 0, totalExact: kind === 'memory' });
    expect(filtered.total).toBe(kind === 'memory' ? 0 : 4);
    const http = new CaptureHttp({ baseUrl: server.url(), credential: { apiKey: server.config.auth.adminApiKey } });
    const ids: string[] = [];
    for await (const rec of http.recordings.list({ limit: 1 })) ids.push(rec.recordingId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const pages: number[] = [];
    for await (const page of http.commands.list({ limit: 2 }).pages()) pages.push(page.count);
    expect(pages).toEqual([2, 1]);
  });

  it('refuses garbage, a stream ID and every other list’s cursor with 400 invalid_cursor on every list', async () => {
    const server = await start();
    await seed(server);
    const cursors = Object.fromEntries(
      await Promise.all(NAMES.map(async (l) => [l, (await walk(server, l)).firstCursor] as const)),
    ) as Record<List, string>;
    for (const list of NAMES) {
      const { path } = LISTS[list];
      expect((await api(server, withQuery(path, `cursor=${encodeURIComponent(cursors[list])}`))).status, list).toBe(200);
      const foreign = NAMES.filter((other) => other !== list).map((other) => [`${other}'s cursor`, encodeURIComponent(cursors[other])]);
      for (const [what, cursor] of [
        ['garbage', '%%%garbage'],
        ['a stream ID', '0-0.0'],
        ['a stream ID of now', `${Date.now()}-0.0`],
        ['an old session cursor', Buffer.from('1700000000000:S1').toString('base64url')],
        ['another list’s made-up cursor', encodeCursor(list === 'sessions' ? 'alarms' : 'sessions', { at: T, id: 'S1' })],
        ...foreign,
      ]) {
        const res = await api(server, withQuery(path, `cursor=${cursor}`));
        expect(res.status, `${what} on ${list}: ${res.text}`).toBe(400);
        expect(res.body, `${what} on ${list}`).toMatchObject({ ok: false, code: 'invalid_cursor', error: MESSAGE });
      }
    }
  });

  it('refuses a bad cursor before a CSV export starts, and a timeline cursor naming a stream the list does not read', async () => {
    const server = await start();
    await seed(server);
    for (const list of ['device-timeline', 'session-timeline', 'audit'] as const) {
      const res = await api(server, withQuery(LISTS[list].path, 'format=csv&cursor=0-0.0'));
      expect(res.status, `${list}: ${res.text}`).toBe(400);
      expect(res.body).toMatchObject({ ok: false, code: 'invalid_cursor', error: MESSAGE });
    }
    // Well-formed, of its own list, but at the place of a second stream a device's timeline does not have.
    const res = await api(server, `/api/devices/H1/timeline?cursor=${encodeCursor('device-timeline', { at: Date.now(), id: '0.1' })}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, code: 'invalid_cursor', error: MESSAGE });
    // A cursor at the very first stream ID reads nothing before it (Redis would refuse "(0-0").
    const first = await api(server, `/api/devices/H1/timeline?cursor=${encodeCursor('device-timeline', { at: 0, id: '0.0' })}`);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ ok: true, count: 0, entries: [] });
  });
});

describe('the paged lists in the OpenAPI document', () => {
  const start = serverFactory('memory', redis);

  it('are exactly the lists above, and each lists invalid_cursor among its 400 refusals', async () => {
    const server = await start();
    const doc = (await api(server, '/api/openapi.json')).body as {
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, { 'x-error-codes'?: string[] }> }>
      >;
    };
    const paged = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'))
        .map(([method, op]) => ({ route: `${method} ${path}`, codes: op.responses['400']?.['x-error-codes'] ?? [] })),
    );
    const asOpenApi = (path: string) => path.replace('H1', '{deviceId}').replace(SESSION_ID, '{sessionId}');
    expect(paged.map((p) => p.route).sort()).toEqual(NAMES.map((l) => `get ${asOpenApi(LISTS[l].path)}`).sort());
    for (const { route, codes } of paged) expect(codes, route).toContain('invalid_cursor');
  });
});

describe('a cursor from one store reads the same in the other', () => {
  const memory = serverFactory('memory', redis);
  const onRedis = serverFactory('redis', redis);

  it('gives the same cursors for the same items, and each store pages on with the other’s', async () => {
    const [a, b] = [await memory(), await onRedis()];
    await seed(a);
    await seed(b);
    for (const list of ['sessions', 'commands', 'recordings', 'alarms'] as const) {
      const [fromA, fromB] = [await walk(a, list), await walk(b, list)];
      expect(fromA, list).toEqual(fromB);
      const next = await api(b, withQuery(LISTS[list].path, `limit=1&cursor=${encodeURIComponent(fromA.firstCursor)}`));
      expect(next.status).toBe(200);
      expect((next.body[LISTS[list].items] as Array<Record<string, string>>).map((i) => i[LISTS[list].key])).toEqual([fromA.keys[1]]);
    }
  });
});
