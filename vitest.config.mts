import { defineConfig } from 'vitest/config';

/** The files that drive Chromium (test/dashboard/browser.ts): they share one browser per run. */
const browserTests = ['test/dashboard/*.test.ts', 'test/protocol/api-docs-page.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own servers on free ports; files run in parallel.
    pool: 'forks',
    // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3
    // only offers in its legacy provider: without it, listing past one page fails.
    execArgv: ['--openssl-legacy-provider'],
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: browserTests } },
      // Its globalSetup runs only when one of these files is queued.
      { extends: true, test: { name: 'browser', include: browserTests, globalSetup: ['test/dashboard/browser-server.ts'] } },
    ],
  },
});
