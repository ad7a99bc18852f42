import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NpzJob, NpzJobAnswer } from './npz-worker';

/**
 * Where the worker's code is: compiled, dist/quality/npz-worker.js sits next
 * to this file; from source (tsx, vitest) there is only the .ts, which the
 * worker loads through tsx's require hook.
 */
function workerScript(): { file: string; execArgv: string[] } {
  const compiled = path.join(__dirname, 'npz-worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  return { file: path.join(__dirname, 'npz-worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

/** The JS heap a worker may use (decoded numeric arrays live outside it, in buffers the budget accounts for). */
const WORKER_HEAP_MB = 512;

/** Runs one job in a fresh worker thread, which ends with it (no state survives between files). */
export function runNpzJob(job: NpzJob): Promise<NpzJobAnswer> {
  const script = workerScript();
  return new Promise((resolve, reject) => {
    const worker = new Worker(script.file, {
      workerData: job,
      execArgv: script.execArgv,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    worker.once('message', (answer: NpzJobAnswer) => {
      settled = true;
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new Error(`the NPZ worker exited with code ${code} before answering`));
    });
  });
}
