import { copyFileSync, createReadStream, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { analyseNpz } from '../../src/quality/analyse';
import { BudgetExceededError, MemoryBudget } from '../../src/quality/memory-budget';
import { QaService } from '../../src/quality/qa-service';
import { testConfig } from '../../src/config';
import { createMetrics } from '../../src/metrics';
import { MemoryStore } from '../../src/state';
import { LocalStorage } from '../../src/storage';

/**
 * Issue 17 item 6: an NPZ of a few KB that inflates to tens of MB (fixtures/limits/,
 * written by fixtures/make_fixtures.py). It must fail integrity for what it is,
 * before anything is inflated; and every analysis shares one memory budget.
 */
const HIGH_RATIO = path.join(__dirname, 'fixtures', 'limits', 'high_ratio.npz');
const GOOD = path.join(__dirname, 'fixtures', 'good_object_f32.npz');
const open = (file: string) => async () => createReadStream(file);
const integrity = (issues: string[], passed: boolean) => ({ issues: issues.join('; '), passed });

describe('NPZ amplification limits', () => {
  it('refuses an entry that inflates beyond the compression-ratio limit, before decoding it', async () => {
    const { score, cacheable } = await analyseNpz(open(HIGH_RATIO), {
      maxNpzBytes: 512 * 1024 * 1024,
      lowConfidence: 0.5,
      maxCompressionRatio: 50,
    });
    expect(cacheable).toBe(true);
    const { passed, issues } = integrity(score.issues, score.stages.stage10_validationTests.npzIntegrityCheck);
    expect(passed).toBe(false);
    expect(issues).toMatch(
      /unreadable NPZ: left_confidence\.npy inflates \d+ bytes to 16777344 \(\d+x\), over the 50x compression ratio limit/,
    );
  });

  it('refuses a file whose arrays need more than the whole memory budget', async () => {
    const budget = new MemoryBudget(8 * 1024 * 1024);
    const { score } = await analyseNpz(open(HIGH_RATIO), { maxNpzBytes: 512 * 1024 * 1024, lowConfidence: 0.5, budget });
    expect(score.stages.stage10_validationTests.npzIntegrityCheck).toBe(false);
    expect(score.issues.join('; ')).toMatch(/decoding needs \d+ bytes, more than the 8388608-byte memory budget/);
    expect(budget.free).toBe(8 * 1024 * 1024);
  });

  it('scores a good file in the worker and gives its reservation back', async () => {
    const budget = new MemoryBudget(1024 * 1024);
    const { score } = await analyseNpz(open(GOOD), { maxNpzBytes: 64 * 1024 * 1024, lowConfidence: 0.5, maxCompressionRatio: 50, budget });
    expect(score.issues).toEqual([]);
    expect(score.stages.stage10_validationTests.npzIntegrityCheck).toBe(true);
    expect(budget.free).toBe(1024 * 1024);
  });

  it('applies the defaults through the QA service', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-qa-limits-'));
    mkdirSync(path.join(dataDir, 'sessions', '20260206_143052'), { recursive: true });
    copyFileSync(HIGH_RATIO, path.join(dataDir, 'sessions', '20260206_143052', 'session_data.npz'));
    const config = testConfig({ DATA_DIR: dataDir });
    const store = new MemoryStore(config.ttl);
    try {
      const qa = new QaService({
        storage: new LocalStorage(dataDir),
        store,
        metrics: createMetrics(),
        logger: pino({ level: 'silent' }),
        config: config.quality,
      });
      const session = await qa.one('20260206_143052');
      expect(session!.issues.join('; ')).toMatch(/over the 50x compression ratio limit/);
    } finally {
      await store.close();
    }
  });
});

describe('MemoryBudget', () => {
  const settledSoon = async (p: Promise<unknown>) => {
    let settled = false;
    void p.then(() => (settled = true));
    // Every continuation already queued runs before setImmediate's callback.
    await new Promise((r) => setImmediate(r));
    return settled;
  };

  it('makes a reservation wait until enough is released, in arrival order', async () => {
    const budget = new MemoryBudget(100);
    const releaseA = await budget.acquire(60);
    const b = budget.acquire(60);
    const c = budget.acquire(10);
    expect(await settledSoon(b)).toBe(false);
    // Arrival order: c waits behind b even though 10 bytes are free.
    expect(await settledSoon(c)).toBe(false);
    releaseA();
    const releaseB = await b;
    const releaseC = await c;
    expect(budget.free).toBe(30);
    releaseB();
    releaseB();
    releaseC();
    expect(budget.free).toBe(100);
  });

  it('refuses at once what could never fit', async () => {
    await expect(new MemoryBudget(100).acquire(101)).rejects.toThrow(BudgetExceededError);
  });
});
