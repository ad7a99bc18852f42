import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, identifiedHeadset, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/**
 * The dashboard's alarms in a real Chromium: the header counts the open ones; the Alarms view lists
 * them (critical first, raised-at time and age), acknowledges one or all shown, groups them in
 * collapsible sections and shows the history of cleared ones; a badge marks the device's row.
 */
const ADMIN_KEY = 'test-admin-api-key-0123456789';

describe('dashboard alarms', () => {
  let server: CaptureServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let headset: TestClient;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    headset = await identifiedHeadset(server, 'QUEST_ALARM');
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await browser?.close();
    await server?.close();
  });

  it('counts open alarms in the header, lists them in the Alarms view (critical first, with raised-at and age), and acknowledges one', async () => {
    // One alarm open before the page loads (read over REST), one raised while it watches (socket).
    await server.services.alarms.raise('QUEST_OTHER', 'overheating', 46, 'running at 46 °C');
    await page.goto(`${server.url()}/dashboard`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
    // The browser's own request for /favicon.ico (404) at the first load is not the page's doing.
    problems.splice(0);
    await page.waitForSelector('#alarm-count:has-text("1")');
    await page.click('#views-nav a[data-nav="alarms"]');
    expect(new URL(page.url()).pathname).toBe('/dashboard/alarms');
    await page.waitForSelector('#alarms li[data-state="active"]:has-text("QUEST_OTHER")');
    expect(await page.textContent('#alarms li[data-state="active"] .alarm-raised')).toMatch(/^raised \d.*, \d+ (s|min) ago$/);

    expect((await headset.ask('device-telemetry', telemetry('QUEST_ALARM', { batteryLevel: 0.05 }))).ok).toBe(true);
    const item = '#alarms li.alarm-critical:has-text("QUEST_ALARM")';
    await page.waitForSelector(`${item}:has-text("battery at 5 %")`);
    // Critical before warning, whatever the order they came in.
    expect(await page.getAttribute('#alarms li.alarm >> nth=0', 'class')).toContain('alarm-critical');
    await page.waitForSelector('#alarm-count[data-severity="critical"]:has-text("2")');

    await page.click(`${item} button.alarm-ack`);
    await page.waitForSelector(`${item}[data-state="acknowledged"]:has-text("acknowledged by admin")`);
    const [alarm] = await server.services.alarms.open(['QUEST_ALARM']);
    expect(alarm).toMatchObject({ state: 'acknowledged', acknowledgedBy: { kind: 'admin', id: 'admin' } });

    // The battery recovers: the alarm leaves the open list, and is in the history.
    expect((await headset.ask('device-telemetry', telemetry('QUEST_ALARM', { batteryLevel: 0.5 }))).ok).toBe(true);
    await page.waitForSelector(item, { state: 'detached' });
    await page.selectOption('#alarms-state', 'cleared');
    await page.waitForSelector('#alarms li[data-state="cleared"]:has-text("QUEST_ALARM")');
    expect(new URL(page.url()).search).toBe('?state=cleared');
    await page.selectOption('#alarms-state', '');
    await page.click('#views-nav a[data-nav="fleet"]');
    await page.waitForSelector('#devices tr[data-device-id="QUEST_ALARM"]');
    expect(await page.locator('#devices tr[data-device-id="QUEST_ALARM"] .alarm-badge').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('acknowledges every alarm the filter shows at once, and groups them by type in sections that open and close', async () => {
    for (const id of ['HOT_A', 'HOT_B', 'HOT_C']) await server.services.alarms.raise(id, 'overheating', 47, 'running at 47 °C');
    await server.services.alarms.raise('LOW_A', 'storage_low', 1, 'storage nearly full');
    await page.goto(`${server.url()}/dashboard/alarms?type=overheating`);
    await page.waitForSelector('#alarms li[data-state="active"][data-type="overheating"] >> nth=3');
    expect(await page.locator('#alarms li[data-type="storage_low"]').count()).toBe(0);
    await page.click('#alarms button.ack-all');
    await page.waitForSelector('#alarms .status:has-text("Acknowledged 4 of 4 alarms")');
    const open = await server.services.alarms.open();
    expect(open.filter((a) => a.type === 'overheating').every((a) => a.state === 'acknowledged')).toBe(true);
    expect(open.find((a) => a.type === 'storage_low')?.state).toBe('active');
    // Grouped: one closed section per type, opened with the keyboard.
    await page.selectOption('#alarms-type', '');
    await page.selectOption('#alarms-group', 'type');
    await page.waitForSelector('#alarms details[data-type="overheating"] summary:has-text("Overheating · 4 alarms on 4 headsets")');
    expect(await page.isVisible('#alarms details[data-type="overheating"] li')).toBe(false);
    await page.focus('#alarms details[data-type="overheating"] summary');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#alarms details[data-type="overheating"] li >> nth=0');
    expect(new URL(page.url()).search).toBe('?group=type');
  });
});
