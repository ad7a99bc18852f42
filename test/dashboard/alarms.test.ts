import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, identifiedHeadset, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/** The dashboard's alarms in a real Chromium: an alarm appears in the strip and on its device's row, and is acknowledged there. */
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

  it('shows a raised alarm (critical first) with a badge on the device, and acknowledges it', async () => {
    // One alarm open before the page loads (read over REST), one raised while it watches (socket).
    await server.services.alarms.raise('QUEST_OTHER', 'overheating', 46, 'running at 46 °C');
    await page.goto(`${server.url()}/dashboard`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
    // The browser's own request for /favicon.ico (404) at the first load is not the page's doing.
    problems.splice(0);
    await page.waitForSelector('#alarms li[data-state="active"]:has-text("QUEST_OTHER")');

    expect((await headset.ask('device-telemetry', telemetry('QUEST_ALARM', { batteryLevel: 0.05 }))).ok).toBe(true);
    const item = '#alarms li.alarm-critical:has-text("QUEST_ALARM")';
    await page.waitForSelector(`${item}:has-text("battery at 5 %")`);
    // Critical before warning, whatever the order they came in.
    expect(await page.getAttribute('#alarms li.alarm >> nth=0', 'class')).toContain('alarm-critical');
    await page.waitForSelector('#devices tr[data-device-id="QUEST_ALARM"] .alarm-badge-critical:has-text("1")');

    await page.click(`${item} button.alarm-ack`);
    await page.waitForSelector(`${item}[data-state="acknowledged"]:has-text("acknowledged by admin")`);
    const [alarm] = await server.services.alarms.open(['QUEST_ALARM']);
    expect(alarm).toMatchObject({ state: 'acknowledged', acknowledgedBy: { kind: 'admin', id: 'admin' } });

    // The battery recovers: the alarm leaves the strip and the badge goes.
    expect((await headset.ask('device-telemetry', telemetry('QUEST_ALARM', { batteryLevel: 0.5 }))).ok).toBe(true);
    await page.waitForSelector(item, { state: 'detached' });
    await page.waitForSelector('#devices tr[data-device-id="QUEST_ALARM"] .alarm-badge', { state: 'detached' });
    expect(problems).toEqual([]);
  });
});
