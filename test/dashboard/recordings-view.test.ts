import { mkdtempSync } from 'node:fs';
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
    const failed = '#recordings tr[data-recording-id="20260206_143052_H1"]';
    await page.waitForSelector(`${failed} li:has-text("video has 60 frames, tracking data 90")`);
    expect(await page.textContent(`${failed} .pill`)).toBe('fail');
    await page.waitForSelector('#recordings tr[data-recording-id="20260206_143052_H2"] .pill:has-text("pass")');
    await page.selectOption('#recordings-verdict', 'fail');
    await page.waitForSelector('#recordings tr[data-recording-id="20260206_143052_H2"]', { state: 'detached' });
    expect(await page.isVisible(failed)).toBe(true);
  });

  it("lists a session's recordings in its detail view, each with its headset and verdict, and links to the filtered list", async () => {
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
