import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = path.join(ROOT, 'packages/client');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

/** A consumer's code: both entries, a typed ask, a typed route, a refusal's code. */
const CONSUMER = `import { ask, CaptureHttp, connectSocket, type ErrorCode, type RouteAnswer } from '@capture-backend/client';
import { nodeHttpFetch } from '@capture-backend/client/node';

export async function main(url: string, token: string): Promise<string> {
  const socket = connectSocket(url, { token });
  const answer = await ask(socket, 'headset-identify', 'QUEST_001');
  const code: ErrorCode | undefined = answer.ok ? undefined : answer.code;
  const http = new CaptureHttp({ baseUrl: url, credential: { token }, fetch: nodeHttpFetch() });
  const devices: RouteAnswer<'getApiDevices'> = await http.api.getApiDevices();
  const session = await http.api.getApiSessionsSessionId({ params: { sessionId: 's1' } });
  return \`\${code ?? answer.ok} \${devices.devices.length} \${session.ok}\`;
}
`;

const RESOLUTIONS = {
  node10: { module: 'commonjs', moduleResolution: 'node10' },
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

/**
 * The package as a consumer gets it: `npm pack`, unpacked into an empty project beside
 * socket.io-client (its one dependency), compiled with strict checks of every declaration file
 * (no skipLibCheck), no @types/node and no Express types, under each moduleResolution.
 */
describe('@capture-backend/client as a package', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-client-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'packs its build alone and compiles in a consumer under moduleResolution node10, node16 and bundler',
    { timeout: 60_000 },
    async () => {
      // What `npm pack` does by its prepack script (npm run build), without the two npm processes that cost more than the build.
      rmSync(path.join(PACKAGE, 'dist'), { recursive: true, force: true });
      await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: PACKAGE });
      const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: PACKAGE });
      const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
      const files = packed!.files.map((f) => f.path);
      expect(files.filter((f) => !/^dist\/.*\.(js|d\.ts)$/.test(f) && f !== 'package.json' && f !== 'README.md')).toEqual([]);
      for (const entry of ['dist/index.js', 'dist/index.d.ts', 'dist/node-http-fetch.d.ts', 'dist/generated/rest.d.ts'])
        expect(files).toContain(entry);

      const consumer = path.join(dir, 'consumer');
      const installed = path.join(consumer, 'node_modules/@capture-backend/client');
      mkdirSync(installed, { recursive: true });
      await run('tar', ['-xzf', path.join(dir, packed!.filename), '-C', installed, '--strip-components=1']);
      symlinkSync(path.join(ROOT, 'node_modules/socket.io-client'), path.join(consumer, 'node_modules/socket.io-client'));
      writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
      writeFileSync(path.join(consumer, 'main.ts'), CONSUMER);
      const compiled = await Promise.all(
        Object.entries(RESOLUTIONS).map(async ([name, options]) => {
          const config = `tsconfig.${name}.json`;
          const compilerOptions = {
            ...options,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            skipDefaultLibCheck: true,
            types: [],
            lib: ['ES2022', 'DOM', 'DOM.Iterable'],
            target: 'ES2022',
          };
          writeFileSync(path.join(consumer, config), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
          return run(process.execPath, [TSC, '-p', config], { cwd: consumer }).then(
            () => `${name}: ok`,
            (err: { stdout?: string; message?: string }) => `${name}: ${err.stdout || err.message}`,
          );
        }),
      );
      expect(compiled).toEqual(['node10: ok', 'node16: ok', 'bundler: ok']);
    },
  );
});
