import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { RecordingView } from '../../src/recordings/schemas';
import { identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();
const PAGE_MAX_BYTES = 64 * 1024;

async function api(server: CaptureServer, route: string, init: RequestInit = {}) {
  const res = await fetch(`${server.url()}${route}`, {
    ...init,
    headers: { 'x-api-key': server.config.auth.adminApiKey, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

const patch = (server: CaptureServer, id: string, body: unknown) =>
  api(server, `/api/recordings/${id}`, { method: 'PATCH', body: JSON.stringify(body) });

/** Every page of a list, following nextCursor: the items and each page's size in bytes. */
async function allPages<T>(server: CaptureServer, route: string, key: string): Promise<{ items: T[]; pages: number[] }> {
  const items: T[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await api(server, `${route}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.status).toBe(200);
    pages.push(Buffer.byteLength(page.text));
    items.push(...(page.body[key] as T[]));
    cursor = page.body.nextCursor as string | undefined;
  } while (cursor);
  return { items, pages };
}

/** Issue 37, item 4: curation cannot bloat records, and no page is unbounded in bytes. */
describe.each(STORE_KINDS)('record bloat (%s store)', (kind) => {
  const start = serverFactory(kind, redis, {
    PAGE_MAX_BYTES: String(PAGE_MAX_BYTES),
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
  });

  it('keeps a compact, bounded history and lists recordings without it, in pages bounded in bytes', async () => {
    const server = await start();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const h = await identifiedHeadset(server, `H${i}`);
      await h.ask('headset-recording-state', true);
      await h.ask('headset-recording-state', false);
    }
    for (const r of (await api(server, '/api/recordings?limit=50')).body.recordings as RecordingView[]) ids.push(r.recordingId);
    expect(ids).toHaveLength(12);

    // The attacker's PATCHes: the largest note and tags the API takes, changed again and again.
    const tags = (n: number) => Object.fromEntries(Array.from({ length: 20 }, (_, t) => [`tag${t}`, `${n}`.padEnd(200, 'x')]));
    for (const id of ids) {
      for (let n = 0; n < 25; n++) expect((await patch(server, id, { note: `${n}`.padEnd(2000, 'n'), tags: tags(n) })).status).toBe(200);
    }

    // Field bounds are refused with a code.
    for (const body of [{ note: 'n'.repeat(2001) }, { tags: { a: 'v'.repeat(201) } }, { tags: { ...tags(0), extra: '1' } }]) {
      const refused = await patch(server, ids[0]!, body);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ ok: false, code: 'invalid' });
    }

    // One recording: its history is bounded (count and bytes) and holds diffs, not copies of the note.
    const one = (await api(server, `/api/recordings/${ids[0]}`)).body.recording as RecordingView;
    const history = one.history!;
    expect(history.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(history).length).toBeLessThanOrEqual(40 * 1024);
    const last = history.at(-1)!;
    expect(last).toMatchObject({ change: 'reviewed', detail: { noteChars: 2000 } });
    expect(JSON.stringify(last.detail)).not.toContain('nnnnnnnnnn');
    // Before: 100 entries each with the whole request (602 KB records, a 62 MB page).
    expect(Buffer.byteLength(JSON.stringify(one))).toBeLessThan(48 * 1024);

    // The list: no history, and pages cut by bytes with a cursor that loses nothing.
    const { items, pages } = await allPages<RecordingView>(server, '/api/recordings?limit=50', 'recordings');
    expect(items.map((r) => r.recordingId).sort()).toEqual([...ids].sort());
    expect(items.every((r) => r.history === undefined)).toBe(true);
    expect(pages.length).toBeGreaterThan(1);
    for (const bytes of pages) expect(bytes).toBeLessThan(PAGE_MAX_BYTES + 8 * 1024);

    // The export streams every recording, none with history.
    const exported = await fetch(`${server.url()}/api/recordings/export?format=jsonl`, {
      headers: { 'x-api-key': server.config.auth.adminApiKey },
    });
    const lines = (await exported.text()).trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => !('history' in (JSON.parse(l) as object)))).toBe(true);
  });

  it('bounds a page of sessions in bytes, metadata included, with a cursor to the rest', async () => {
    const server = await start();
    await identifiedHeadset(server, 'H1');
    const tablet = await tabletClient(server, 'T1');
    await tablet.ask('tablet-lock-device', 'H1');
    const created: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await tablet.ask('tablet-create-session', { deviceIds: ['H1'], metadata: { take: i, blob: 'm'.repeat(40_000) } });
      expect(answer).toMatchObject({ ok: true });
      created.push(answer.sessionId as string);
      expect(await tablet.ask('tablet-end-session', answer.sessionId)).toMatchObject({ ok: true });
    }
    // Before: one page of all four (and of 500 sessions of 100 KB: 51 MB).
    const { items, pages } = await allPages<{ sessionId: string; metadata: { take: number } }>(
      server,
      '/api/sessions?limit=50',
      'sessions',
    );
    expect(items.map((s) => s.sessionId).sort()).toEqual([...created].sort());
    expect(items.every((s) => s.metadata.take >= 0)).toBe(true);
    expect(pages.length).toBe(4);
    for (const bytes of pages) expect(bytes).toBeLessThan(PAGE_MAX_BYTES + 8 * 1024);
  });
});
