import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without declarations (npm run build / npm start run it).
import { build } from '../../scripts/build.mjs';

type Build = (root: string, options?: { ifChanged?: boolean; log?: (line: string) => void }) => 'up to date' | 'built' | 'failed';
const run = build as Build;

/**
 * scripts/build.mjs on a project of two files: npm start compiles only when a source changed, a
 * build goes to dist.next and replaces dist whole (a removed source's output goes with it), and a
 * failed build leaves the previous dist as it was.
 */
describe('the build (npm run build, npm start)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'capture-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };

  it('compiles when a source changed and only then, swaps dist whole, and keeps dist when compilation fails', { timeout: 60_000 }, () => {
    write('package.json', '{"name":"p","private":true}');
    write('tsconfig.json', '{}');
    write(
      'tsconfig.build.json',
      JSON.stringify({
        compilerOptions: {
          rootDir: 'src',
          outDir: 'dist',
          module: 'commonjs',
          types: [],
          strict: true,
          lib: ['es2022'],
          skipLibCheck: true,
        },
        include: ['src'],
      }),
    );
    write('src/a.ts', 'export const a: number = 1;\n');
    write('src/b.ts', 'export const b = 2;\n');
    const quiet = { log: () => undefined };

    expect(run(root, { ifChanged: true, ...quiet })).toBe('built');
    expect(readFileSync(path.join(root, 'dist/a.js'), 'utf8')).toContain('exports.a = 1');
    const builtAt = statSync(path.join(root, 'dist/a.js')).mtimeMs;
    expect(run(root, { ifChanged: true, ...quiet })).toBe('up to date');
    expect(statSync(path.join(root, 'dist/a.js')).mtimeMs).toBe(builtAt);

    // b.ts removed: its output goes with the old dist.
    rmSync(path.join(root, 'src/b.ts'));
    expect(run(root, { ifChanged: true, ...quiet })).toBe('built');
    expect(existsSync(path.join(root, 'dist/b.js'))).toBe(false);
    expect(existsSync(path.join(root, 'dist.next'))).toBe(false);

    // A type error: nothing of the half-done build reaches dist.
    write('src/a.ts', 'export const a: number = "one";\n');
    expect(run(root, { ifChanged: true, ...quiet })).toBe('failed');
    expect(readFileSync(path.join(root, 'dist/a.js'), 'utf8')).toContain('exports.a = 1');
    expect(existsSync(path.join(root, 'dist.next'))).toBe(false);
  });
});
