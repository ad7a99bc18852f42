/**
 * How much the ETag cache saves: GET /api/qa-metrics over N sessions on the
 * local driver, first call (every NPZ read and scored) against later calls
 * (listing plus cache hits), in the same run. Usage:
 *   npx tsx bench/qa-metrics.ts [sessions=300]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../test/helpers/start-server';

async function main() {
  const sessions = Number(process.argv[2] ?? 300);
  const fixtures = path.join(__dirname, '..', 'test', 'quality', 'fixtures');
  const files = readdirSync(fixtures).filter((f) => f.startsWith('good_'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-bench-qa-'));
  for (let i = 0; i < sessions; i++) {
    const dir = path.join(dataDir, 'sessions', `20260206_${String(100000 + i).slice(-6)}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(fixtures, files[i % files.length]!), path.join(dir, 'session_data.npz'));
  }
  const server = await startServer({ env: { DATA_DIR: dataDir } });
  const config = server.config;
  const timed = async () => {
    const start = process.hrtime.bigint();
    const res = await fetch(`${server.url()}/api/qa-metrics`, { headers: { 'x-api-key': config.auth.adminApiKey } });
    const body = (await res.json()) as { sessions: unknown[] };
    if (body.sessions.length !== sessions) throw new Error(`expected ${sessions} sessions, got ${body.sessions.length}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  try {
    const first = await timed();
    const cached: number[] = [];
    for (let i = 0; i < 5; i++) cached.push(await timed());
    cached.sort((a, b) => a - b);
    const median = cached[2]!;
    console.log(`sessions: ${sessions} (600 frames each), QA_CONCURRENCY=${config.quality.concurrency}`);
    console.log(`first call (baseline, reads every NPZ): ${first.toFixed(1)} ms`);
    console.log(`cached call (median of 5):              ${median.toFixed(1)} ms`);
    console.log(`cached / first: ${(median / first).toFixed(3)}  (${(first / median).toFixed(1)}x faster)`);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
