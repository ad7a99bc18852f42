import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BudgetExceededError, type MemoryBudget } from './memory-budget';
import { NpzFormatError, planNpz, spoolNpz, type NpzLimits } from './npz-reader';
import { runNpzJob } from './npz-worker-pool';
import { NPZ_ARRAY_NAMES, scoreNpz, type NpzScore } from './qa-score';

export interface AnalyseOptions {
  maxNpzBytes: number;
  lowConfidence: number;
  /** See NpzLimits.maxCompressionRatio; unset: no ratio check. */
  maxCompressionRatio?: number;
  /** Shared by every analysis under way; unset: this analysis reserves nothing. */
  budget?: MemoryBudget;
  now?: Date;
}

export interface Analysis {
  score: NpzScore;
  /**
   * False when storage failed to deliver the bytes (the file itself may be
   * fine): such a result is shown but never cached, so the next call retries.
   */
  cacheable: boolean;
}

/**
 * Reads and scores one NPZ. Never throws: an unreadable file scores as failing integrity.
 * The file is spooled to disk, its central directory checked against the limits
 * (size, compression ratio) and its decoded size reserved from the shared budget
 * before a worker thread inflates, decodes and scores it.
 */
export async function analyseNpz(open: () => Promise<Readable>, options: AnalyseOptions): Promise<Analysis> {
  const scoreOptions = { lowConfidence: options.lowConfidence, now: options.now ?? new Date() };
  const unreadable = (why: string, cacheable: boolean): Analysis => ({ score: scoreNpz({ unreadable: why }, scoreOptions), cacheable });
  const limits: NpzLimits = { maxBytes: options.maxNpzBytes, maxCompressionRatio: options.maxCompressionRatio };
  let file: string | undefined;
  try {
    file = await spoolNpz(await open(), options.maxNpzBytes);
    const needed = await planNpz(file, limits, NPZ_ARRAY_NAMES);
    const release = options.budget ? await options.budget.acquire(needed) : () => undefined;
    try {
      const answer = await runNpzJob({ file, limits, only: NPZ_ARRAY_NAMES, scoreOptions });
      if (answer.kind === 'score') return { score: answer.score, cacheable: true };
      if (answer.kind === 'format') return unreadable(`unreadable NPZ: ${answer.message}`, true);
      return unreadable('the file could not be analysed', false);
    } finally {
      release();
    }
  } catch (err) {
    if (err instanceof NpzFormatError) return unreadable(`unreadable NPZ: ${err.message}`, true);
    if (err instanceof BudgetExceededError) return unreadable(`unreadable NPZ: ${err.message}`, true);
    return unreadable(file ? 'the file could not be analysed' : 'the file could not be read from storage', false);
  } finally {
    if (file) await rm(file, { force: true });
  }
}
