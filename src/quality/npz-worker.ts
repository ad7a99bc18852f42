import { parentPort, workerData } from 'node:worker_threads';
import { NpzFormatError, readNpzFile, type NpzLimits } from './npz-reader';
import { scoreNpz, type NpzScore } from './qa-score';

/** What the main thread sends: a spooled file, already planned against the limits and the memory budget. */
export interface NpzJob {
  file: string;
  limits: NpzLimits;
  only: readonly string[];
  scoreOptions: { lowConfidence: number; now: Date };
}

export type NpzJobAnswer = { kind: 'score'; score: NpzScore } | { kind: 'format'; message: string } | { kind: 'error'; message: string };

/**
 * Decodes and scores one NPZ off the main thread: inflating and walking
 * hundreds of MB of arrays would otherwise stall every request and socket.
 */
async function run(job: NpzJob): Promise<NpzJobAnswer> {
  try {
    const arrays = await readNpzFile(job.file, job.limits, job.only);
    return { kind: 'score', score: scoreNpz(arrays, job.scoreOptions) };
  } catch (err) {
    if (err instanceof NpzFormatError) return { kind: 'format', message: err.message };
    return { kind: 'error', message: (err as Error).message };
  }
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as NpzJob).then((answer) => port.postMessage(answer));
}
