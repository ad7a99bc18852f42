import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, identifiedHeadset, tabletClient, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/**
 * The dashboard as an operator's console, on a 60-headset fleet driven from
 * this test (so every value on screen is known): layout at laptop and tablet
 * sizes measured by bounding boxes, sort/filter/search/group kept in the URL,
 * staleness (offline rows, averages, disabled Watch, a stopped server), the
 * detail views, accessible names and text beside every colour.
 */
// Browser globals, for the functions page.evaluate runs inside the page (the test program has no DOM types).
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
interface PageNode {
  textContent: string | null;
  hidden: boolean;
  disabled?: boolean;
  title: string;
  id: string;
  tagName: string;
  scrollWidth: number;
  clientWidth: number;
  labels?: ArrayLike<PageNode> | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): PageNode | null;
  checkVisibility(): boolean;
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
  getElementById(id: string): PageNode | null;
};
declare const window: { innerWidth: number; innerHeight: number };

const ADMIN_KEY = 'test-admin-api-key-0123456789';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const HEADSETS = 60;
const id = (i: number) => `H${String(i).padStart(2, '0')}`;
/** Known values per headset: battery 5 %…64 %, three app versions, tablets T1-T3 hold 15 each (H46-H60 are free). */
const battery = (i: number) => (5 + ((i * 37) % 60)) / 100;
const appVersion = (i: number) => (i % 3 === 0 ? '2.3.1' : i % 3 === 1 ? '2.4.0' : '2.5.0');
const OFFLINE = [55, 56, 57, 58, 59, 60];
const rowsSelector = '#devices tbody tr[data-device-id]';

describe('dashboard console (60 headsets)', () => {
  let server: CaptureServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const headsets: TestClient[] = [];
  const problems: string[] = [];

  /** The text, or an attribute, of every element a selector finds, in page order. */
  const texts = (selector: string) =>
    page.evaluate((sel) => Array.from(document.querySelectorAll(sel)).map((n) => n.textContent), selector);
  const attrs = (selector: string, name: string) =>
    page.evaluate(([sel, attr]) => Array.from(document.querySelectorAll(sel)).map((n) => n.getAttribute(attr)), [selector, name] as const);
  const shownIds = () => attrs(rowsSelector, 'data-device-id');
  const waitForRows = (n: number) =>
    page.waitForFunction((count) => document.querySelectorAll('#devices tbody tr[data-device-id]').length === count, n);

  beforeAll(async () => {
    // Headsets here send telemetry once: they must not turn stale while a slow machine runs the test.
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000', DEVICE_STALE_MS: '600000' } });
    for (let start = 1; start <= HEADSETS; start += 10) {
      const batch = Array.from({ length: 10 }, (_, k) => start + k);
      headsets.push(...(await Promise.all(batch.map((i) => identifiedHeadset(server, id(i))))));
    }
    headsets.forEach((h, k) => {
      const i = k + 1;
      h.socket.emit(
        'device-telemetry',
        telemetry(id(i), {
          batteryLevel: battery(i),
          appVersion: appVersion(i),
          customName: i === 7 ? 'Kitchen rig' : `Rig ${id(i)}`,
          wifiSignalLevel: i === 2 ? -82 : -55,
          droppedFrames: 12,
          frameCount: 1188,
        }),
      );
    });
    // Three tablets hold 15 headsets each; T1 and T2 run a session with a participant and a task.
    for (const t of [1, 2, 3]) {
      const tablet = await tabletClient(server, `T${t}`);
      const ids = Array.from({ length: 15 }, (_, k) => id((t - 1) * 15 + k + 1));
      await tablet.ask('tablet-lock-devices', ids);
      if (t === 3) continue;
      const created = await tablet.ask('tablet-create-session', { deviceIds: ids, metadata: { participant: `P${t}`, task: 'pour water' } });
      if (!created.ok) throw new Error(String(created.error));
      await tablet.ask('tablet-start-session', created.sessionId);
    }
    // Their headsets confirm recording, as real ones do.
    await Promise.all(headsets.slice(0, 30).map((h) => h.ask('headset-recording-state', true)));
    for (const i of OFFLINE) headsets[i - 1]!.close();

    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${server.url()}/dashboard/`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
    await waitForRows(HEADSETS);
    await page.waitForSelector(`${rowsSelector}[data-device-id="H60"] [data-field="seen"]:has-text("last seen")`);
    await page.waitForSelector(`${rowsSelector}[data-device-id="H01"] [data-field="session"]:has-text("P1 · pour water")`);
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await browser?.close();
    await server?.close().catch(() => undefined);
  }, 60_000);

  /** Headset rows an operator sees without scrolling, per size (issue 35: the fleet first). */
  const ROWS_ABOVE_FOLD: Record<number, number> = { 1440: 10, 1024: 10, 820: 12 };

  for (const [width, height] of [
    [1440, 900],
    [1024, 768],
    [820, 1180],
  ] as const) {
    it(`shows the fleet first at ${width}×${height}: ${ROWS_ABOVE_FOLD[width]}+ rows above the fold, the summary on one row, nothing sideways`, async () => {
      await page.setViewportSize({ width, height });
      // The layout settles in a frame; bounding boxes are read after it.
      await page.waitForFunction((w) => window.innerWidth === w, width);
      await page.screenshot({ path: path.join(ARTIFACTS, `console-fleet-${width}x${height}.png`) });
      const layout = await page.evaluate(() => {
        const box = (selector: string) => {
          const { left, right, top, bottom } = document.querySelector(selector)!.getBoundingClientRect();
          return { left, right, top, bottom };
        };
        const keys = [
          '.device-id',
          '[data-field="status"]',
          '[data-field="battery"]',
          '[data-field="recording"]',
          'button.details',
          'button.watch',
        ];
        const wrap = document.querySelector('.devices .table-wrap')!;
        const rows = Array.from(document.querySelectorAll('#devices tbody tr[data-device-id]'));
        return {
          viewport: window.innerWidth,
          page: document.documentElement.scrollWidth,
          tableOverflow: wrap.scrollWidth - wrap.clientWidth,
          keys: keys.map((k) => ({ key: k, ...box(`#devices tbody tr[data-device-id="H01"] ${k}`) })),
          rowsAbove: rows.filter((r) => r.getBoundingClientRect().bottom <= window.innerHeight).length,
          statTops: Array.from(document.querySelectorAll('#fleet-summary .stat')).map((n) => n.getBoundingClientRect().top),
          alarmCount: box('#alarm-count'),
        };
      });
      expect(layout.page).toBeLessThanOrEqual(layout.viewport);
      // No sideways scrolling of the fleet table: columns collapse instead.
      expect(layout.tableOverflow).toBeLessThanOrEqual(0);
      for (const k of layout.keys) {
        expect(k.left, k.key).toBeGreaterThanOrEqual(0);
        expect(k.right, k.key).toBeLessThanOrEqual(width);
      }
      expect(layout.rowsAbove).toBeGreaterThanOrEqual(ROWS_ABOVE_FOLD[width]!);
      expect(new Set(layout.statTops).size).toBe(1);
      // The open-alarm count is in the header, in view.
      expect(layout.alarmCount.right).toBeLessThanOrEqual(width);
      expect(layout.alarmCount.bottom).toBeLessThanOrEqual(80);
    });
  }

  it('sorts by any column, both ways, and says so (aria-sort and the URL)', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.click('#devices th[data-col="battery"] button');
    await page.waitForSelector('#devices th[data-col="battery"][aria-sort="ascending"]');
    const online = Array.from({ length: HEADSETS }, (_, k) => k + 1);
    const ascending = [...online].sort((a, b) => battery(a) - battery(b) || a - b).map(id);
    expect(await shownIds()).toEqual(ascending);
    await page.click('#devices th[data-col="battery"] button');
    await page.waitForSelector('#devices th[data-col="battery"][aria-sort="descending"]');
    expect((await shownIds())[0]).toBe(ascending[ascending.length - 1]);
    expect(page.url()).toContain('sort=battery&dir=desc');
    await page.click('#devices th[data-col="status"] button');
    await page.waitForFunction(() => document.querySelector('#devices tbody tr[data-device-id]')?.getAttribute('data-device-id') === 'H01');
    expect((await shownIds()).slice(-OFFLINE.length)).toEqual(OFFLINE.map(id));
  });

  it('filters by status, tablet, session and app version, and searches by ID or name', async () => {
    await page.selectOption('#f-status', 'offline');
    await waitForRows(OFFLINE.length);
    expect((await shownIds()).sort()).toEqual(OFFLINE.map(id));
    await page.selectOption('#f-status', '');
    await page.selectOption('#f-tablet', 'T2');
    await waitForRows(15);
    await page.selectOption('#f-app', '2.3.1');
    const expected = Array.from({ length: 15 }, (_, k) => 16 + k).filter((i) => appVersion(i) === '2.3.1');
    await waitForRows(expected.length);
    expect(await page.textContent('#device-count')).toBe(`(${expected.length} shown of ${HEADSETS})`);
    await page.click('#f-clear');
    await page.selectOption('#f-session', { label: 'P1 · pour water (T1)' });
    await waitForRows(15);
    await page.selectOption('#f-session', '-');
    await waitForRows(HEADSETS - 30);
    await page.click('#f-clear');
    await page.fill('#f-q', 'kitchen');
    await waitForRows(1);
    expect(await shownIds()).toEqual(['H07']);
    await page.fill('#f-q', 'H1');
    await waitForRows(10);
    // The alarm rules raise alarms from this fleet's telemetry (critical batteries): those devices, and only they.
    await page.fill('#f-q', '');
    const alarmed = [...new Set((await server.services.alarms.open(headsets.map((_, k) => id(k + 1)))).map((a) => a.deviceId))].sort();
    expect(alarmed.length).toBeGreaterThan(0);
    await page.selectOption('#f-alarm', 'yes');
    await waitForRows(alarmed.length);
    expect((await shownIds()).sort()).toEqual(alarmed);
    await page.selectOption('#f-alarm', 'no');
    await waitForRows(HEADSETS - alarmed.length);
    await page.click('#f-clear');
    await waitForRows(HEADSETS);
  });

  it('groups by tablet and by session, with counts in each heading', async () => {
    await page.selectOption('#f-group', 'tablet');
    await page.waitForSelector('#devices tr.group-row[data-group="T1"]');
    const headings = await texts('#devices tr.group-row');
    expect(headings).toEqual([
      'Tablet T1 · 15 headsets, 15 recording',
      'Tablet T2 · 15 headsets, 15 recording',
      'Tablet T3 · 15 headsets',
      'No tablet · 15 headsets, 6 offline',
    ]);
    // Rows follow their heading.
    const groups = await attrs('#devices tbody tr', 'data-group');
    const devices = await attrs('#devices tbody tr', 'data-device-id');
    expect(groups.indexOf('T2')).toBe(16);
    expect(devices[17]).toBe('H16');
    await page.selectOption('#f-group', 'session');
    await page.waitForSelector('#devices tr.group-row:has-text("Session P2 · pour water (T2)")');
    expect(await texts('#devices tr.group-row')).toEqual([
      'Session P1 · pour water (T1) · 15 headsets, 15 recording',
      'Session P2 · pour water (T2) · 15 headsets, 15 recording',
      'No active session · 30 headsets, 6 offline',
    ]);
  });

  it('remembers the view in the URL: a reload (or a bookmark) shows the same rows', async () => {
    await page.selectOption('#f-app', '2.4.0');
    await page.click('#devices th[data-col="device"] button');
    const url = page.url();
    expect(url).toContain('group=session');
    expect(url).toContain('app=2.4.0');
    const before = await shownIds();
    await page.reload();
    await page.waitForSelector('#connection:has-text("live")');
    await waitForRows(before.length);
    expect(await shownIds()).toEqual(before);
    expect(await page.inputValue('#f-group')).toBe('session');
    expect(await page.inputValue('#f-app')).toBe('2.4.0');
    await page.click('#f-clear');
    await waitForRows(HEADSETS);
  });

  it('shows staleness: offline rows say when they were last seen, cannot be watched, and leave the averages', async () => {
    const offline = `${rowsSelector}[data-device-id="H58"]`;
    expect(await page.getAttribute(offline, 'class')).toContain('offline');
    expect(await page.textContent(`${offline} [data-field="status"]`)).toMatch(/^offlinelast seen \d+ (s|min) ago$/);
    expect(await page.isDisabled(`${offline} button.watch`)).toBe(true);
    expect(await page.isEnabled(`${rowsSelector}[data-device-id="H01"] button.watch`)).toBe(true);
    const online = Array.from({ length: HEADSETS }, (_, k) => k + 1).filter((i) => !OFFLINE.includes(i));
    const average = online.reduce((sum, i) => sum + battery(i), 0) / online.length;
    expect(await page.textContent('[data-stat="avg-battery"] .stat-value')).toBe(`${Math.round(average * 100)} %`);
    expect(await page.textContent('[data-stat="offline"] .stat-value')).toBe(String(OFFLINE.length));
    // A watched headset that sends no frames says so, rather than a frozen frame rate.
    await page.click(`${rowsSelector}[data-device-id="H03"] button.watch`);
    await page.waitForSelector('#preview-tiles .tile[data-device-id="H03"] .tile-stats:has-text("no frames for")');
    await page.click(`${rowsSelector}[data-device-id="H03"] button.watch`);
  });

  it('opens a device detail with everything collected, units spelled out, in the URL', async () => {
    await page.click(`${rowsSelector}[data-device-id="H07"] button.details`);
    await page.waitForSelector('#view-device:not([hidden]) [data-fact="ssid"]:has-text("capture-lab")');
    const fact = (name: string) => page.textContent(`#device-detail [data-fact="${name}"]`);
    expect(await page.textContent('#device-detail-title')).toBe('Headset H07');
    expect(await fact('cpu-temp')).toBe('41.5 °C');
    expect(await fact('gpu-temp')).toBe('43.0 °C');
    expect(await fact('dropped')).toBe('12 (1 %)');
    expect(await fact('os')).toBe('v62');
    expect(await fact('sdk')).toBe('62.0');
    expect(await fact('storage-free')).toBe('110 GB');
    expect(await fact('battery-state')).toBe('discharging');
    expect(await fact('session')).toBe('P1 · pour water (recording)');
    expect(new URL(page.url()).pathname).toBe('/dashboard/devices/H07');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-device-detail.png') });
    // From the device to its session.
    await page.click('#device-detail button:has-text("Open its session")');
    await page.waitForSelector('#session-detail[open] [data-fact="participant"]:has-text("P1")');
    expect(await page.textContent('#session-detail [data-fact="task"]')).toBe('pour water');
    expect(await page.textContent('#session-detail [data-fact="tablet"]')).toBe('T1');
    expect(await attrs('#session-detail tbody tr[data-device-id]', 'data-device-id')).toHaveLength(15);
    expect(page.url()).toContain('session=');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-session-detail.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('#session-detail', { state: 'hidden' });
    // The dialog's close event updates the address after it hides: wait for it rather than read it at once.
    await page.waitForURL((url) => url.search === '');
    expect(new URL(page.url()).search).toBe('');
    // Back returns to the fleet, as it was.
    await page.goBack();
    await page.waitForSelector('#view-fleet:not([hidden])');
    expect(new URL(page.url()).pathname).toBe('/dashboard/');
  });

  it('lists sessions with participant, task, start time and per-headset status', async () => {
    await page.click('#views-nav a[data-nav="sessions"]');
    await page.waitForSelector('#view-sessions:not([hidden])');
    expect(new URL(page.url()).pathname).toBe('/dashboard/sessions');
    const row = '#sessions tbody tr:has-text("P2 · pour water")';
    await page.waitForSelector(row);
    expect(await page.textContent(`${row} [data-field="tablet"]`)).toBe('T2');
    expect(await page.textContent(`${row} [data-field="started"]`)).toMatch(/\d:\d\d:\d\d/);
    expect(await page.textContent(`${row} [data-field="headsets"]`)).toBe('15 headsets, 15 recording');
    // Named for people: label, then tablet and start time, never an ID suffix.
    expect(await page.textContent(`${row} .session-id`)).toMatch(/^T2 · started \d/);
    // Sorted by tablet, both ways, and filtered by tablet: kept in the URL.
    await page.click('#sessions th[data-col="tablet"] button');
    await page.waitForSelector('#sessions th[data-col="tablet"][aria-sort="ascending"]');
    expect(await texts('#sessions tbody [data-field="tablet"]')).toEqual(['T1', 'T2']);
    await page.click('#sessions th[data-col="tablet"] button');
    await page.waitForFunction(() => document.querySelector('#sessions tbody [data-field="tablet"]')?.textContent === 'T2');
    await page.fill('#sessions-tablet', 'T1');
    await page.dispatchEvent('#sessions-tablet', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length === 1);
    expect(new URL(page.url()).search).toBe('?tablet=T1&sort=tablet&dir=desc');
    await page.fill('#sessions-tablet', '');
    await page.dispatchEvent('#sessions-tablet', 'change');
    await page.click('#views-nav a[data-nav="fleet"]');
  });

  it('names every control and never signals by colour alone', async () => {
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, input, select, a[href]'))
        .filter((n) => n.checkVisibility())
        .filter((n) => {
          const label = Array.from(n.labels ?? []).some((l) => l.textContent?.trim());
          // A button's or link's text names it; a select's option text does not.
          const text = n.tagName === 'BUTTON' || n.tagName === 'A' ? n.textContent?.trim() : '';
          return !(n.getAttribute('aria-label')?.trim() || n.getAttribute('aria-labelledby') || text || label || n.title);
        })
        .map((n) => `${n.tagName}#${n.id}`),
    );
    expect(unnamed).toEqual([]);
    // Low battery, weak Wi-Fi, recording and offline are words too, not only red or grey.
    const low = id(Array.from({ length: 50 }, (_, k) => k + 1).find((i) => battery(i) < 0.25)!);
    expect(await page.textContent(`${rowsSelector}[data-device-id="${low}"] [data-field="battery"]`)).toMatch(/^\d+ % low$/);
    expect(await page.getAttribute(`${rowsSelector}[data-device-id="${low}"] [data-field="battery"]`, 'class')).toContain('low');
    expect(await page.textContent(`${rowsSelector}[data-device-id="H02"] [data-field="wifi"]`)).toBe('-82 dBm weak');
    expect(await page.textContent(`${rowsSelector}[data-device-id="H01"] [data-field="recording"]`)).toBe('● REC');
    expect(await page.textContent(`${rowsSelector}[data-device-id="H58"] [data-field="status"] .pill`)).toBe('offline');
    expect(problems).toEqual([]);
  });

  it('turns disconnected, with a banner and greyed data, within 5 s of the server stopping', async () => {
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-live.png') });
    await server.close();
    await page.waitForSelector('#connection-banner:has-text("No live connection to the server since")', { timeout: 5_000 });
    expect(await page.getAttribute('#app', 'class')).toContain('disconnected');
    expect(await page.textContent('#connection-banner')).toMatch(
      /Last update from the server at \d.+\. What is shown below may be out of date\.$/,
    );
    expect(await page.textContent('#connection')).toContain('disconnected');
    // The live figures themselves say they are stale, not only the banner: the summary and the alarm count.
    expect(await page.textContent('.summary-row [data-stale-mark]')).toMatch(/^stale, as of \d/);
    expect(await page.isVisible('#alarm-link [data-stale-mark]')).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-disconnected.png') });
  });
});
