import path from 'node:path';
import { defineConfig } from 'vitest/config';

/** The files that drive Chromium (test/dashboard/browser.ts): they share one browser per run. */
const browserTests = ['test/dashboard/*.test.ts', 'test/protocol/api-docs-page.test.ts'];

export default defineConfig({
  // The client package from its source, as tsconfig.json's paths say (its dist is built only to pack it). Paths from the
  // repository root, where vitest runs.
  resolve: {
    alias: [
      { find: /^@capture-backend\/client\/node$/, replacement: path.resolve('packages/client/src/node-http-fetch.ts') },
      { find: /^@capture-backend\/client$/, replacement: path.resolve('packages/client/src/index.ts') },
    ],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own servers on free ports; files run in parallel.
    pool: 'forks',
    // A worker runs its files one after another, keeping the modules it loaded:
    // a fresh process per file spent most of its CPU re-importing Express,
    // Socket.IO, the AWS SDK and src/ (measured: 72 -> 24 CPU-seconds over 20
    // files). Safe because nothing in src/ or test/ keeps module-level state
    // between servers (no singletons, no vi.mock, no process.env writes) and
    // every file closes the servers, clients and Redis it starts.
    isolate: false,
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
