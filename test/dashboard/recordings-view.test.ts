import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import { launchBrowser } from './browser';

/** The dashboard's recordings view in a real Chromium: a failed recording shows its reasons (issue 18). */
const ADMIN_KEY = 'test-admin-api-key-0123456789';
const FIXTURES = path.join(__dirname, '..', 'recordings', 'fixtures');

describe('dashboard recordings view', () => {
  let server: CaptureServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    server = await startServer({ env: { DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-dash-rec-')) } });
    for (const [deviceId, video] of [
      ['H1', 'short.mp4'],
      ['H2', 'good.mp4'],
    ]) {
      const body = new FormData();
      body.append('timestamp', '20260206_143052');
      body.append('video', new Blob([readFileSync(path.join(FIXTURES, video!))]), 'recording.mp4');
      body.append('data', new Blob([readFileSync(path.join(FIXTURES, 'good.npz'))]), 'session_data.npz');
      const res = await fetch(`${server.url()}/upload-session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.tokens.sign(deviceId!, 'headset')}` },
        body,
      });
      expect(res.status).toBe(200);
    }
    await eventually(async () => expect((await server.store.recordings.counts()).byVerdict).toEqual({ pass: 1, fail: 1 }), 15_000);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
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
});
