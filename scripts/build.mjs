#!/usr/bin/env node
// npm run build / npm start: compiles src/ into a fresh directory (dist.next) and swaps it in
// whole, so an interrupted build never leaves a half-written dist/ and files of removed sources
// do not linger. With --if-changed (npm start) it compiles only when a source or build setting
// changed since the build in dist/ (a hash of them is kept in dist/.build-hash).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const HASH_FILE = '.build-hash';

/** A hash of every input file's path and bytes, in a stable order. */
export function sourceHash(root) {
  const hash = createHash('sha256');
  const walk = (rel) => {
    const full = path.join(root, rel);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) walk(path.join(rel, name));
      return;
    }
    hash.update(`${rel}\0`).update(readFileSync(full)).update('\0');
  };
  for (const input of INPUTS) walk(input);
  return hash.digest('hex');
}

/** Builds `root` into root/dist; answers what it did: 'up to date', 'built' or 'failed'. */
export function build(root, { ifChanged = false, log = console.log } = {}) {
  const dist = path.join(root, 'dist');
  const next = path.join(root, 'dist.next');
  const old = path.join(root, 'dist.old');
  const hash = sourceHash(root);
  const kept = path.join(dist, HASH_FILE);
  if (ifChanged && existsSync(kept) && readFileSync(kept, 'utf8') === hash) {
    log('build: dist/ is up to date with src/; not compiling');
    return 'up to date';
  }
  rmSync(next, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', 'dist.next'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (compiled.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    log('build: compilation failed; dist/ is left as it was');
    return 'failed';
  }
  writeFileSync(path.join(next, HASH_FILE), hash);
  // Two renames: dist/ is whole at every moment, the old build or the new one.
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
  log('build: compiled src/ into dist/');
  return 'built';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  process.exit(build(root, { ifChanged: process.argv.includes('--if-changed') }) === 'failed' ? 1 : 0);
}
