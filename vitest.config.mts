import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own servers on free ports; files run in parallel.
    pool: 'forks',
    // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3
    // only offers in its legacy provider: without it, listing past one page fails.
    execArgv: ['--openssl-legacy-provider'],
  },
});
