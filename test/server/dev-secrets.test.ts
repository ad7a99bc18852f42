import os from 'node:os';
import path from 'node:path';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEV_SECRETS_FILE, keepDevSecrets } from '../../src/dev-secrets';
import { freePort } from '../helpers/redis-server';
import { runServer, waitFor } from '../helpers/child-server';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'capture-devsecrets-'));
const JWT = { name: 'JWT_SECRET', value: 'j'.repeat(64) };
const KEY = { name: 'ADMIN_API_KEY', value: 'k'.repeat(43) };

describe('development secrets kept under DATA_DIR', () => {
  it('saves generated secrets on the first start (mode 0600) and reads them back on the next', () => {
    const dir = tempDir();
    const first = keepDevSecrets(dir, [JWT, KEY]);
    expect(first).toEqual({
      file: path.join(dir, DEV_SECRETS_FILE),
      values: { JWT_SECRET: JWT.value, ADMIN_API_KEY: KEY.value },
      created: ['JWT_SECRET', 'ADMIN_API_KEY'],
    });
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const second = keepDevSecrets(dir, [
      { name: 'JWT_SECRET', value: 'x'.repeat(64) },
      { name: 'ADMIN_API_KEY', value: 'y'.repeat(43) },
    ]);
    expect(second.values).toEqual(first.values);
    expect(second.created).toEqual([]);
  });

  it('keeps only what was generated: a configured secret is neither read from nor written to the file', () => {
    const dir = tempDir();
    const kept = keepDevSecrets(dir, [KEY]);
    expect(kept.values).toEqual({ ADMIN_API_KEY: KEY.value });
    expect(JSON.parse(readFileSync(kept.file, 'utf8'))).toEqual({ ADMIN_API_KEY: KEY.value });
  });

  it('replaces a damaged or weakened file, and tightens its permissions', () => {
    const dir = tempDir();
    const file = path.join(dir, DEV_SECRETS_FILE);
    writeFileSync(file, JSON.stringify({ JWT_SECRET: 'short', ADMIN_API_KEY: 'short' }), { mode: 0o644 });
    expect(keepDevSecrets(dir, [JWT, KEY]).created).toEqual(['JWT_SECRET', 'ADMIN_API_KEY']);
    writeFileSync(file, '{ not json');
    chmodSync(file, 0o644);
    expect(keepDevSecrets(dir, [JWT, KEY]).values).toEqual({ JWT_SECRET: JWT.value, ADMIN_API_KEY: KEY.value });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('throws when DATA_DIR cannot be written, so the caller can say so', () => {
    // A path beneath a regular file cannot be created, whoever runs the test (root included).
    const file = path.join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    expect(() => keepDevSecrets(path.join(file, 'data'), [JWT])).toThrow(/ENOTDIR/);
  });
});

describe('entry point in development without secrets', () => {
  const start = async (dataDir: string) => {
    const port = await freePort();
    const server = runServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
    await waitFor(`http://127.0.0.1:${port}/test`);
    return { server, base: `http://127.0.0.1:${port}` };
  };
  const stop = async ({ server }: Awaited<ReturnType<typeof start>>) => {
    server.child.kill('SIGTERM');
    await server.exited;
  };

  it('keeps the admin key and device tokens working across a restart, printing where they are kept', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    let adminKey: string;
    let token: string;
    try {
      const file = path.join(dataDir, DEV_SECRETS_FILE);
      expect(first.server.output()).toContain(`development secrets generated and saved in ${file} (mode 0600)`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      adminKey = /ADMIN_API_KEY=(\S+)/.exec(first.server.output())![1]!;
      const minted = await fetch(`${first.base}/auth/device-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
        body: JSON.stringify({ deviceId: 'DASH_1', deviceType: 'dashboard' }),
      });
      expect(minted.status).toBe(200);
      token = ((await minted.json()) as { token: string }).token;
    } finally {
      await stop(first);
    }

    const second = await start(dataDir);
    try {
      expect(second.server.output()).toContain('development secrets read from');
      expect(second.server.output()).toContain(`ADMIN_API_KEY=${adminKey}`);
      const withKey = await fetch(`${second.base}/api/devices`, { headers: { 'x-api-key': adminKey } });
      expect(withKey.status).toBe(200);
      const withToken = await fetch(`${second.base}/api/devices`, { headers: { authorization: `Bearer ${token}` } });
      expect(withToken.status).toBe(200);
    } finally {
      await stop(second);
    }
  });
});
