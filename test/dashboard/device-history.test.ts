import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, identifiedHeadset, tabletClient, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/** A device's history and a session's timeline opened from the dashboard's tables, in a real Chromium. */

const ADMIN_KEY = 'test-admin-api-key-0123456789';

describe('dashboard: device history and session timeline', () => {
  let server: CaptureServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let headset: TestClient;
  let sessionId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    headset = await identifiedHeadset(server, 'QUEST_042');
    await headset.ask('device-telemetry', telemetry('QUEST_042', { batteryLevel: 0.6 }));
    await headset.ask('device-telemetry', telemetry('QUEST_042', { batteryLevel: 0.45 }));
    const tablet = await tabletClient(server, 'TABLET_A');
    await tablet.ask('tablet-lock-device', 'QUEST_042');
    sessionId = ((await tablet.ask('tablet-create-session', { deviceIds: ['QUEST_042'] })) as unknown as { sessionId: string }).sessionId;
    await tablet.ask('tablet-start-session', sessionId);
    await server.services.audit.drained();
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
  }, 60_000);

  it("opens a headset's history in its detail view: charts from the telemetry history and its timeline", async () => {
    await page.goto(`${server.url()}/dashboard`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.click('#devices tr[data-device-id="QUEST_042"] button.details');
    await page.waitForSelector('#device-detail [data-list="device-timeline"] li[data-kind="lock.locked"]');
    expect(await page.textContent('#device-detail [data-list="device-timeline"]')).toContain('by tablet TABLET_A');
    await page.waitForSelector('#device-detail li[data-kind="battery.below"]');
    expect(await page.textContent('#device-detail [data-chart="battery"] figcaption')).toBe('Battery: 60 %');
    expect(await page.locator('#device-detail [data-chart="storage"] svg polyline').count()).toBe(1);
    await page.click('#device-detail button:has-text("Close")');
    await page.waitForSelector('#device-detail', { state: 'hidden' });
  });

  it("opens a session's timeline in its detail view", async () => {
    await page.click(`#sessions tr[data-session-id="${sessionId}"] button.details`);
    await page.waitForSelector('#session-detail [data-list="session-timeline"] li[data-kind="session.started"]');
    await page.waitForSelector('#session-detail [data-list="session-timeline"] li[data-kind="command.sent"]');
    await page.click('#session-detail button:has-text("Close")');
    await page.waitForSelector('#session-detail', { state: 'hidden' });
    expect(problems).toEqual([]);
  });
});
