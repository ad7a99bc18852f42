import type { Readable } from 'node:stream';
import { NpzFormatError, readNpz } from './npz-reader';
import { NPZ_ARRAY_NAMES, scoreNpz, type NpzScore } from './qa-score';

export interface AnalyseOptions {
  maxNpzBytes: number;
  lowConfidence: number;
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

/** Reads and scores one NPZ. Never throws: an unreadable file scores as failing integrity. */
export async function analyseNpz(open: () => Promise<Readable>, options: AnalyseOptions): Promise<Analysis> {
  const scoreOptions = { lowConfidence: options.lowConfidence, now: options.now ?? new Date() };
  try {
    const arrays = await readNpz(await open(), { maxBytes: options.maxNpzBytes }, NPZ_ARRAY_NAMES);
    return { score: scoreNpz(arrays, scoreOptions), cacheable: true };
  } catch (err) {
    if (err instanceof NpzFormatError) {
      return { score: scoreNpz({ unreadable: `unreadable NPZ: ${err.message}` }, scoreOptions), cacheable: true };
    }
    return { score: scoreNpz({ unreadable: 'the file could not be read from storage' }, scoreOptions), cacheable: false };
  }
}
