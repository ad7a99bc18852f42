import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, eventually, identifiedHeadset, tabletClient } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import { uploadFixtures } from '../recordings/fixture-upload';
import { launchBrowser } from './browser';

/**
 * The dashboard's recordings view in a real Chromium (issue 18): a failed
 * recording shows its reasons, and a session's detail view lists that
 * session's recordings (headset, state, verdict, reasons) and links to the
 * recordings card filtered to it.
 */
const ADMIN_KEY = 'test-admin-api-key-0123456789';
// The browser's document, for the functions page.waitForFunction runs in the page (the test program has no DOM types).
interface Row {
  getAttribute(n: string): string | null;
}
declare const document: {
  querySelectorAll(s: string): ArrayLike<Row>;
  querySelector(s: string): Row | null;
};

describe('dashboard recordings view', () => {
  let server: CaptureServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let sessionId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-dash-rec-')) } });
    // A session of two headsets; a third headset records outside it.
    for (const id of ['H1', 'H2']) await identifiedHeadset(server, id);
    const tablet = await tabletClient(server, 'T1');
    await tablet.ask('tablet-lock-devices', ['H1', 'H2']);
    sessionId = ((await tablet.ask('tablet-create-session', { deviceIds: ['H1', 'H2'] })) as unknown as { sessionId: string }).sessionId;
    await tablet.ask('tablet-start-session', sessionId);
    await tablet.ask('tablet-end-session', sessionId);
    const recording = (deviceId: string, timestamp: string, video: string) => ({ deviceId, timestamp, video, data: 'good.npz' });
    await uploadFixtures(server, { ...recording('H1', '20260206_143052', 'short.mp4'), sessionId });
    await uploadFixtures(server, { ...recording('H2', '20260206_143052', 'good.mp4'), sessionId });
    await uploadFixtures(server, recording('H3', '20260206_150000', 'good.mp4'));
    await eventually(async () => expect((await server.store.recordings.counts()).byVerdict).toEqual({ pass: 2, fail: 1 }), 15_000);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (msg) => {
      // The browser asks for /favicon.ico on its own; the page does not use one.
      if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) problems.push(`${msg.text()} ${msg.location().url}`);
    });
    page.on('pageerror', (err) => problems.push(err.message));
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await browser?.close();
    await server?.close();
  }, 30_000);

  it("shows a failed recording's reasons, and filters by verdict", async () => {
    await page.goto(`${server.url()}/dashboard`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.click('#views-nav a[data-nav="recordings"]');
    const failed = '#recordings tr[data-recording-id="20260206_143052_H1"]';
    await page.waitForSelector(`${failed} li:has-text("video has 60 frames, tracking data 90")`);
    expect(await page.textContent(`${failed} .pill`)).toBe('fail');
    await page.waitForSelector('#recordings tr[data-recording-id="20260206_143052_H2"] .pill:has-text("pass")');
    await page.selectOption('#recordings-verdict', 'fail');
    await page.waitForSelector('#recordings tr[data-recording-id="20260206_143052_H2"]', { state: 'detached' });
    expect(await page.isVisible(failed)).toBe(true);
    expect(new URL(page.url()).search).toBe('?verdict=fail');
    await page.selectOption('#recordings-verdict', '');
  });

  it('names takes by time and headset, sorts them and pages through the whole list', async () => {
    await page.goto(`${server.url()}/dashboard/recordings?size=2&sort=headset&dir=asc`);
    await page.waitForSelector('#recordings tbody tr[data-recording-id]');
    const ids = (): Promise<string[]> =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('#recordings tbody tr[data-recording-id]')).map(
          (r) => r.getAttribute('data-recording-id') ?? '',
        ),
      );
    // Newest first from the server, two a page; the page sorted by headset.
    const first = await ids();
    expect(first).toHaveLength(2);
    expect(first).toEqual([...first].sort());
    expect(await page.getAttribute('#recordings th[data-col="headset"]', 'aria-sort')).toBe('ascending');
    const recorded = await page.textContent('#recordings tbody tr [data-field="recorded"]');
    expect(recorded).not.toContain('20260206_');
    await page.click('.pager button:has-text("Older")');
    await page.waitForFunction(
      (before: string[]) =>
        document.querySelector('#recordings tbody tr[data-recording-id]')?.getAttribute('data-recording-id') !== before[0],
      first,
    );
    const second = await ids();
    expect(second).toHaveLength(1);
    expect([...first, ...second].sort()).toEqual(['20260206_143052_H1', '20260206_143052_H2', '20260206_150000_H3']);
    expect(await page.isDisabled('.pager button:has-text("Older")')).toBe(true);
    await page.click('.pager button:has-text("Newer")');
    await page.waitForFunction(() => document.querySelectorAll('#recordings tbody tr[data-recording-id]').length === 2);
  });

  it('keeps, discards (with an undo), tags and notes a take, and exports the filter', async () => {
    await page.goto(`${server.url()}/dashboard/recordings`);
    const row = (id: string) => `#recordings tr[data-recording-id="${id}"]`;
    await page.waitForSelector(row('20260206_143052_H2'));
    await page.click(`${row('20260206_143052_H2')} button.keep`);
    await page.waitForSelector(`${row('20260206_143052_H2')} [data-field="decision"]:has-text("kept")`);
    expect((await server.store.recordings.get('20260206_143052_H2'))?.decision).toBe('keep');
    // A discard waits for its undo; undone, nothing reaches the server.
    await page.click(`${row('20260206_150000_H3')} button.discard`);
    await page.waitForSelector(`${row('20260206_150000_H3')} [data-field="decision"]:has-text("discarding")`);
    await page.click(`${row('20260206_150000_H3')} button.undo`);
    await page.waitForSelector(`${row('20260206_150000_H3')} [data-field="decision"]:has-text("undecided")`);
    expect((await server.store.recordings.get('20260206_150000_H3'))?.decision).toBeUndefined();
    // Tags and a note through the row's editor.
    await page.click(`${row('20260206_143052_H2')} button.edit`);
    await page.fill('#edit-tags-20260206_143052_H2', 'scene=kitchen, take=2');
    await page.fill('#edit-note-20260206_143052_H2', 'good light');
    await page.click('tr.edit-row button:has-text("Save")');
    await page.waitForSelector(`${row('20260206_143052_H2')} [data-field="tags"]:has-text("scene=kitchen, take=2 · good light")`);
    const saved = await server.store.recordings.get('20260206_143052_H2');
    expect(saved?.tags).toEqual({ scene: 'kitchen', take: '2' });
    expect(saved?.note).toBe('good light');
    // The tag filter, then an export of exactly that filter.
    await page.fill('#recordings-tag', 'scene:kitchen');
    await page.dispatchEvent('#recordings-tag', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#recordings tbody tr[data-recording-id]').length === 1);
    const downloading = page.waitForEvent('download');
    await page.click('button:has-text("Export CSV")');
    const file = await downloading;
    expect(file.suggestedFilename()).toBe('recordings.csv');
    const saved2 = path.join(mkdtempSync(path.join(os.tmpdir(), 'capture-export-')), 'recordings.csv');
    await file.saveAs(saved2);
    const csv = readFileSync(saved2, 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(2);
    expect(csv).toContain('20260206_143052_H2');
    expect(problems).toEqual([]);
  });

  it("lists a session's recordings in its detail view, each with its headset and verdict, and links to the filtered list", async () => {
    await page.click('#views-nav a[data-nav="sessions"]');
    await page.click(`#sessions tr[data-session-id="${sessionId}"] button.details`);
    const section = '#session-detail [data-section="recordings"]';
    const failed = `${section} tr[data-recording-id="20260206_143052_H1"]`;
    const passed = `${section} tr[data-recording-id="20260206_143052_H2"]`;
    await page.waitForSelector(`${failed} li:has-text("video has 60 frames, tracking data 90")`);
    await page.waitForSelector(passed);
    expect(await page.textContent(`${failed} [data-field="headset"]`)).toBe('H1');
    expect(await page.textContent(`${failed} [data-field="state"]`)).toBe('rejected');
    expect(await page.textContent(`${failed} .pill`)).toBe('fail');
    expect(await page.textContent(`${passed} [data-field="headset"]`)).toBe('H2');
    expect(await page.textContent(`${passed} [data-field="state"]`)).toBe('verified');
    expect(await page.textContent(`${passed} .pill`)).toBe('pass');
    // Only this session's: H3 recorded outside it.
    expect(await page.$$(`${section} tr[data-recording-id]`)).toHaveLength(2);
    // The session's per-device status carries each headset's verdict.
    expect(await page.textContent('#session-detail tr[data-device-id="H1"] [data-field="verdict"]')).toBe('fail');
    expect(await page.textContent('#session-detail tr[data-device-id="H2"] [data-field="verdict"]')).toBe('pass');

    await page.click(`${section} button[data-action="show-session-recordings"]`);
    await page.waitForSelector('#session-detail', { state: 'hidden' });
    expect(await page.inputValue('#recordings-session')).toBe(sessionId);
    await page.waitForSelector('#recordings tr[data-recording-id="20260206_150000_H3"]', { state: 'detached' });
    await page.waitForSelector('#recordings tr[data-recording-id="20260206_143052_H2"]');
    expect(await page.$$('#recordings tr[data-recording-id]')).toHaveLength(2);
    expect(problems).toEqual([]);
  });
});
