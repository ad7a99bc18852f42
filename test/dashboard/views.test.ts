import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, identifiedHeadset, tabletClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/**
 * Every view of the console at the three sizes an operator uses (1440×900,
 * 1024×768, 820×1180): no sideways scrolling, the fleet's rows above the fold,
 * the preview wall in the viewport after Watch, and axe-core with no serious
 * or critical violation; a screenshot of each view at each size. One page,
 * one browser, the views visited by URL.
 */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): { getBoundingClientRect(): Box } | null;
};
declare const window: { innerWidth: number; innerHeight: number };
declare const axe: { run(context: unknown, options: unknown): Promise<AxeResult> };

const ADMIN_KEY = 'test-admin-api-key-0123456789';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SIZES = [
  [1440, 900],
  [1024, 768],
  [820, 1180],
] as const;
const VIEWS: Array<[string, string, string]> = [
  ['fleet', '/dashboard/', '#devices tbody tr[data-device-id]'],
  ['sessions', '/dashboard/sessions', '#sessions tbody tr'],
  ['recordings', '/dashboard/recordings', '#recordings-title'],
  ['alarms', '/dashboard/alarms', '#alarms li.alarm'],
  ['datasets', '/dashboard/datasets', '#datasets-title'],
  ['device', '/dashboard/devices/V01', '#device-detail [data-fact="battery"]'],
];
const id = (i: number) => `V${String(i).padStart(2, '0')}`;

describe('console views at three sizes', () => {
  let server: CaptureServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000', DEVICE_STALE_MS: '600000' } });
    const headsets = await Promise.all(Array.from({ length: 24 }, (_, k) => identifiedHeadset(server, id(k + 1))));
    await Promise.all(headsets.map((h, k) => h.ask('device-telemetry', telemetry(id(k + 1), { batteryLevel: 0.15 + k / 40 }))));
    const tablet = await tabletClient(server, 'T1');
    const ids = headsets.slice(0, 12).map((_, k) => id(k + 1));
    await tablet.ask('tablet-lock-devices', ids);
    const created = await tablet.ask('tablet-create-session', { deviceIds: ids, metadata: { participant: 'P1', task: 'pour' } });
    await tablet.ask('tablet-start-session', created.sessionId);
    await server.services.alarms.raise('V02', 'overheating', 47, 'running at 47 °C');
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${server.url()}/dashboard/`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await browser?.close();
    await server?.close();
  }, 30_000);

  const visit = async (url: string, ready: string) => {
    // In-page navigation (the router), as an operator's link would: no reload, no new sign-in.
    await page.evaluate((to) => {
      const w = globalThis as unknown as { history: { pushState(a: null, b: string, c: string): void }; dispatchEvent(e: unknown): void };
      w.history.pushState(null, '', to);
      w.dispatchEvent(new (globalThis as unknown as { PopStateEvent: new (t: string) => unknown }).PopStateEvent('popstate'));
    }, url);
    await page.waitForSelector(ready);
  };

  for (const [width, height] of SIZES) {
    it(`shows every view at ${width}×${height} without sideways scrolling, and with no serious accessibility violation`, async () => {
      await page.setViewportSize({ width, height });
      const problems: string[] = [];
      for (const [name, url, ready] of VIEWS) {
        await visit(url, ready);
        await page.screenshot({ path: path.join(ARTIFACTS, `view-${name}-${width}x${height}.png`) });
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (scroll > 0) problems.push(`${name}: ${scroll} px sideways`);
        // axe-core, injected without a script tag (the page's CSP allows none inline).
        await page.evaluate(AXE);
        const result = await page.evaluate(() => axe.run(globalThis, { resultTypes: ['violations'] }));
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') {
            problems.push(`${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it(`puts the preview wall in the viewport at ${width}×${height} when Watch is pressed, however far the page scrolled`, async () => {
      await page.setViewportSize({ width, height });
      await visit('/dashboard/', '#devices tbody tr[data-device-id="V24"]');
      await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 10_000));
      await page.click('#devices tr[data-device-id="V24"] button.watch');
      await page.click('#devices tr[data-device-id="V23"] button.watch');
      await page.waitForSelector('#preview-wall .tile[data-device-id="V23"]');
      const { wall, tiles } = await page.evaluate(() => ({
        wall: document.querySelector('#preview-wall')!.getBoundingClientRect(),
        tiles: document.querySelector('#preview-tiles')!.getBoundingClientRect(),
      }));
      expect(wall.top).toBeGreaterThanOrEqual(0);
      expect(wall.left).toBeGreaterThanOrEqual(0);
      expect(wall.bottom).toBeLessThanOrEqual(height);
      expect(wall.right).toBeLessThanOrEqual(width);
      expect(tiles.bottom - tiles.top).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, `view-preview-${width}x${height}.png`) });
      await page.click('#preview-stop');
      await page.waitForSelector('#preview-wall', { state: 'hidden' });
    });
  }
});
