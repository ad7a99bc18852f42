import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, CHROMIUM_ARGS } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's one Chromium listens for playwright; absent when Chromium is not installed. */
    chromiumWsEndpoint?: string;
  }
}

/**
 * globalSetup of the "browser" project (vitest.config.mts): one Chromium for
 * the whole run, which every browser test file connects to with a context of
 * its own. Starting Chromium per file cost seconds of both cores each time.
 * Vitest runs this only when a file of that project is queued, so a run of
 * other files alone starts no browser.
 */
export default async function startChromium(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Without Chromium, provide nothing: launchBrowser() then says what to install.
  if (!existsSync(CHROMIUM)) return undefined;
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  project.provide('chromiumWsEndpoint', server.wsEndpoint());
  return () => server.close();
}
