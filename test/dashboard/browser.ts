import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import { inject } from 'vitest';

/** Debian's chromium (apt-get install chromium; .ci/run installs it), driven by playwright-core. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A fresh browser context (its own cookies and storage, like a new profile) in
 * the run's shared Chromium, which browser-server.ts starts once per run;
 * close() closes the context and this file's connection, not the browser.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const endpoint = inject('chromiumWsEndpoint');
  if (!endpoint) {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)`);
    throw new Error('no shared Chromium: list this test file in the "browser" project of vitest.config.mts');
  }
  const browser = await chromium.connect(endpoint);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  return {
    context,
    async close() {
      await context.close();
      await browser.close();
    },
  };
}
