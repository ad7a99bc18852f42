import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { rooms } from '../../src/realtime/rooms';
import { SimulatedFleet } from '../../scripts/simulate';
import { renderFrame } from '../../scripts/simulate/jpeg';
import { closeAllClients, eventually, identifiedHeadset } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/**
 * The dashboard in a real (headless) Chromium against a real server with a
 * simulated fleet: sign in with the admin key, watch devices, telemetry,
 * sessions, QA and storage arrive, and preview frames render.
 */
// Browser globals, for the functions page.evaluate runs inside the page (the test program has no DOM types).
// Only the members these functions use.
interface PageElement {
  textContent: string | null;
  hidden: boolean;
  src: string;
  complete: boolean;
  naturalWidth: number;
}
declare const document: {
  cookie: string;
  querySelector(selector: string): PageElement | null;
};
declare const window: { __owned?: unknown };
declare const sessionStorage: { length: number }, localStorage: { length: number };

const ADMIN_KEY = 'test-admin-api-key-0123456789';

describe('dashboard page', () => {
  let server: CaptureServer;
  let fleet: SimulatedFleet;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    fleet = new SimulatedFleet({
      url: server.url(),
      apiKey: ADMIN_KEY,
      headsets: 3,
      tablets: 1,
      // Frames in this test come from the test itself, so what the preview shows is known exactly.
      fps: 0,
      sessionSeconds: 3,
      gapSeconds: 1,
      videoBytes: 256 * 1024,
      // 1 % a second, so the displayed (whole-percent) battery visibly changes within seconds.
      batteryDrainPerSecond: 0.01,
      seed: 7,
    });
    await fleet.start();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    // CSP violations (an inline script or style slipping in) and script errors show up here.
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await browser?.close();
    await fleet?.stop(5_000);
    await server?.close();
  }, 60_000);

  it('serves the page with a strict content security policy', async () => {
    const res = await fetch(`${server.url()}/dashboard/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect((await fetch(`${server.url()}/dashboard/js/main.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses a wrong credential and keeps the sign-in form', async () => {
    await page.goto(`${server.url()}/dashboard`);
    await page.fill('#credential', 'not-the-admin-key-at-all-000');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#sign-in-error:has-text("Not accepted")');
    expect(await page.isVisible('#app')).toBe(false);
    // The browser logs the 401 itself; that one is expected.
    problems.splice(0);
  });

  it('signs in with the admin key and lists every simulated headset live', async () => {
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
    for (const id of fleet.headsetIds)
      await page.waitForSelector(`#devices tr[data-device-id="${id}"] [data-field="status"]:has-text("online")`);
    // The credential stays in this tab's sessionStorage, nowhere else.
    const stored = await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }));
    expect(stored).toEqual({ session: 2, local: 0, cookie: '' });
  });

  it('follows telemetry: battery values change', async () => {
    const cell = `#devices tr[data-device-id="${fleet.headsetIds[0]}"] [data-field="battery"]`;
    await page.waitForSelector(`${cell}:has-text("%")`);
    const first = await page.textContent(cell);
    await page.waitForFunction(([selector, before]) => document.querySelector(selector)?.textContent !== before, [cell, first] as const, {
      timeout: 15_000,
    });
    const wifi = await page.textContent(`#devices tr[data-device-id="${fleet.headsetIds[0]}"] [data-field="wifi"]`);
    expect(wifi).toMatch(/^-\d+ dBm (strong|good|fair|weak)$/);
  });

  it('shows sessions, recording headsets and their lock holder, each view at its own URL', async () => {
    await page.waitForSelector(`#devices [data-field="tablet"]:has-text("${fleet.tabletIds[0]}")`);
    await page.click('#views-nav a[data-nav="sessions"]');
    await page.waitForSelector('#sessions tbody tr [data-field="status"]');
    await page.waitForSelector('#sessions tbody tr [data-field="status"]:has-text("completed")', { timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe('/dashboard/sessions');
    // Back returns to the fleet view; forward to the sessions again.
    await page.goBack();
    await page.waitForSelector('#view-fleet:not([hidden])');
    await page.goForward();
    await page.waitForSelector('#view-sessions:not([hidden])');
    expect(await page.isHidden('#view-fleet')).toBe(true);
    await page.click('#views-nav a[data-nav="fleet"]');
  });

  it('summarises the fleet, capture quality and storage', async () => {
    await page.waitForSelector('[data-stat="online"] .stat-value:has-text("3")');
    await page.click('#views-nav a[data-nav="recordings"]');
    // Uploads finish after each session; the QA panel refreshes when they do.
    await page.waitForFunction(() => Number(document.querySelector('[data-fact="qa-total"]')?.textContent) > 0, undefined, {
      timeout: 30_000,
    });
    // Bucket statistics are cached by the server (S3_STATS_CACHE_SECONDS): the panel's Refresh lists again.
    const fresh = page.waitForRequest((r) => r.url().endsWith('/api/s3-stats?refresh=true'));
    await page.click('#storage-refresh');
    await fresh;
    await page.waitForFunction(() => Number(document.querySelector('[data-fact="storage-files"]')?.textContent) > 0);
    // The first row can be a recording whose second file is still arriving (scored 0 until then);
    // the panel refreshes as uploads complete, so the good score is waited for, not read once.
    // A timeout here is not the failure: the assertion below says what was shown.
    await page
      .waitForFunction(() => Number(document.querySelector('#qa-sessions tbody tr td:nth-child(2)')?.textContent) > 80, undefined, {
        timeout: 30_000,
      })
      .catch(() => undefined);
    const score = Number(await page.textContent('#qa-sessions tbody tr td:nth-child(2)'));
    expect(score).toBeGreaterThan(80);
    await page.click('#views-nav a[data-nav="fleet"]');
  });

  it('previews the chosen headset: asks to watch it and renders the frames it receives', async () => {
    const target = fleet.headsetIds[1]!;
    await page.click(`#devices tr[data-device-id="${target}"] button.watch`);
    // The page joined the headset's viewers: the frame relay delivers there.
    const viewer = await eventually(async () => {
      const sockets = await server.io.in(rooms.viewers(target)).fetchSockets();
      expect(sockets).toHaveLength(1);
      return sockets[0]!;
    });
    // Binary frames (as the relay forwards a headset's Buffer) become Blob URLs.
    server.io.to(viewer.id).emit('on-headset-frame-updated', renderFrame({ colour: 1, index: 0, recording: false }), target);
    await page.waitForFunction(() => {
      const img = document.querySelector('#preview-tiles img');
      return !!img && !img.hidden && img.src.startsWith('blob:') && img.complete && img.naturalWidth === 160;
    });
    const firstSrc = await page.getAttribute('#preview-tiles img', 'src');
    server.io.to(viewer.id).emit('on-headset-frame-updated', renderFrame({ colour: 1, index: 5, recording: true }), target);
    await page.waitForFunction((before) => document.querySelector('#preview-tiles img')!.src !== before, firstSrc);
    // Base64 strings (the other frame form) become data: URLs.
    server.io
      .to(viewer.id)
      .emit('on-headset-frame-updated', renderFrame({ colour: 2, index: 3, recording: false }).toString('base64'), target);
    await page.waitForFunction(() => document.querySelector('#preview-tiles img')!.src.startsWith('data:image/jpeg;base64,'));
    // Another headset's frames are not drawn.
    const src = await page.getAttribute('#preview-tiles img', 'src');
    server.io.to(viewer.id).emit('on-headset-frame-updated', renderFrame({ colour: 3, index: 1, recording: false }), fleet.headsetIds[0]!);
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.getAttribute('#preview-tiles img', 'src')).toBe(src);
    expect(await page.textContent('#preview-tiles .tile-stats')).toMatch(/^3 frames/);
    await page.click(`#devices tr[data-device-id="${target}"] button.watch`);
  });

  it('previews live frames a headset sends through the relay', async () => {
    const live = await identifiedHeadset(server, 'LIVE_H1');
    const watch = `#devices tr[data-device-id="LIVE_H1"] button.watch`;
    await page.waitForSelector(watch);
    await page.click(watch);
    await eventually(async () => expect(await server.io.in(rooms.viewers('LIVE_H1')).fetchSockets()).toHaveLength(1));
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 3; i++) {
      live.socket.emit('headset-frame', renderFrame({ colour: 2, index: i, recording: i % 2 === 0 }));
      await new Promise((r) => setTimeout(r, 100));
      const src = await page.getAttribute('#preview-tiles img', 'src');
      if (src?.startsWith('blob:')) seen.add(src);
    }
    // The image kept changing as frames arrived from the headset, through the server's relay.
    expect(seen.size).toBeGreaterThanOrEqual(3);
    await page.click(watch);
    live.close();
  });

  it('puts server text into the page as text, never as markup', async () => {
    const headset = await identifiedHeadset(server, 'XSS_H1');
    const hostile = '<img src=x id=injected onerror="window.__owned=1">';
    headset.socket.emit('device-telemetry', { deviceId: 'XSS_H1', timestamp: Date.now(), appVersion: hostile, batteryLevel: 0.1 });
    const cell = '#devices tr[data-device-id="XSS_H1"] [data-field="app"]';
    await page.waitForSelector(`${cell}:has-text("<img")`);
    expect(await page.textContent(cell)).toBe(hostile);
    expect(await page.$('#injected')).toBeNull();
    expect(await page.evaluate(() => window.__owned)).toBeUndefined();
    // 10 % battery is highlighted as low.
    expect(await page.getAttribute('#devices tr[data-device-id="XSS_H1"] [data-field="battery"]', 'class')).toContain('low');
    headset.close();
  });

  it('says what to do when the server stops accepting the credential (a restart with new secrets)', async () => {
    // The sessions list is refreshed on every session event and every 10 s.
    const sessionsList = (url: URL) => url.pathname === '/api/sessions';
    await page.route(sessionsList, (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: '{"ok":false,"code":"unauthenticated","error":"invalid API key or token"}',
      }),
    );
    await page.waitForSelector('#sign-in', { state: 'visible', timeout: 15_000 });
    const message = await page.textContent('#sign-in-error');
    expect(message).toContain('The server refused the saved credential');
    expect(message).toContain('restarted with a different ADMIN_API_KEY or JWT_SECRET');
    expect(message).toContain('DATA_DIR/.dev-secrets.json');
    await page.unroute(sessionsList);
    // The browser logs the 401 itself; that one is expected.
    problems.splice(0);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
  });

  it('signs out, forgetting the credential', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in', { state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
  });
});
