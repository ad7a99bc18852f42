import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, eventually, identifiedHeadset, tabletClient, type TestClient } from '../helpers/clients';
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
    await headset.ask('headset-recording-state', true);
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

  it("opens a headset's page: charts with time axes, its timeline in words, one battery figure", async () => {
    await page.goto(`${server.url()}/dashboard`);
    await page.fill('#credential', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await page.click('#devices tr[data-device-id="QUEST_042"] button.details');
    expect(new URL(page.url()).pathname).toBe('/dashboard/devices/QUEST_042');
    const timeline = '#device-detail [data-list="device-timeline"]';
    await page.waitForSelector(`${timeline} li[data-kind="lock.locked"]`);
    expect(await page.textContent(`${timeline} li[data-kind="lock.locked"]`)).toContain('Tablet TABLET_A took control');
    await page.waitForSelector(`${timeline} li[data-kind="battery.below"]`);
    expect(await page.textContent(`${timeline} li[data-kind="battery.below"]`)).toContain('Battery fell below 50 % (45 %)');
    // Words, never event kinds or UUIDs.
    const words = (await page.textContent(timeline)) ?? '';
    expect(words).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(words).not.toMatch(/\b(command|lock|device|battery)\.[a-z]/);
    // One battery figure: the facts say it; the chart names its series and has time and percent axes.
    expect(await page.textContent('#device-detail [data-chart="battery"] figcaption')).toBe('Battery level (%)');
    expect(await page.locator('#device-detail [data-chart="battery"] svg text.axis').count()).toBe(6);
    expect(await page.textContent('#device-detail [data-fact="battery"]')).toBe('45 %');
    expect(await page.locator('#device-detail [data-chart="storage"] svg polyline').count()).toBe(1);
  });

  it('acts on the headset from its page: stops its recording and releases its tablet (with force while connected)', async () => {
    await page.click('#device-detail button.stop-recording');
    await page.waitForSelector('#device-detail [data-action="result"]:has-text("Stop sent to QUEST_042")');
    await eventually(() => expect(headset.received.some((r) => r.event === 'on-tablet-stop-recording')).toBe(true));
    await page.click('#device-detail button.release-lock');
    await page.waitForSelector('#device-detail [data-action="result"]:has-text("is connected")');
    // The browser logs the expected refusal (409) as a console error: only that one.
    expect(problems.splice(0)).toEqual([expect.stringMatching(/409 \(Conflict\).*\/api\/devices\/QUEST_042\/unlock/)]);
    await page.click('#device-detail button.release-force');
    await page.waitForSelector('#device-detail [data-action="result"]:has-text("Released QUEST_042 from Tablet TABLET_A")');
    expect(await server.store.locks.get('QUEST_042')).toBeNull();
    await page.goBack();
    await page.waitForSelector('#view-fleet:not([hidden])');
  });

  it("opens a session's timeline in its detail view", async () => {
    await page.click('#views-nav a[data-nav="sessions"]');
    await page.click(`#sessions tr[data-session-id="${sessionId}"] button.details`);
    await page.waitForSelector('#session-detail [data-list="session-timeline"] li[data-kind="session.started"]');
    await page.waitForSelector('#session-detail [data-list="session-timeline"] li[data-kind="command.sent"]');
    await page.click('#session-detail button:has-text("Close")');
    await page.waitForSelector('#session-detail', { state: 'hidden' });
    expect(problems).toEqual([]);
  });
});
