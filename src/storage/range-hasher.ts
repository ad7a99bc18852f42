import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The worker: MD5s byte ranges of files that are already written, read back
 * from the page cache. Messages: open (a job for one file), range (hash the next
 * bytes, in order), digest (answer the hex digest or the first error), drop.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1024 * 1024);
const jobs = new Map();
function hashRange(job, position, length) {
  if (job.fd === undefined) job.fd = openSync(job.path, 'r');
  for (let done = 0; done < length; ) {
    const n = readSync(job.fd, buffer, 0, Math.min(buffer.length, length - done), position + done);
    if (n === 0) throw new Error('the file is shorter than what was written to it');
    job.hash.update(buffer.subarray(0, n));
    done += n;
  }
}
parentPort.on('message', (m) => {
  if (m.type === 'open') return void jobs.set(m.job, { path: m.path, hash: createHash('md5'), fd: undefined, error: undefined });
  const job = jobs.get(m.job);
  if (!job) return;
  if (m.type === 'range') {
    if (job.error === undefined) {
      try { hashRange(job, m.position, m.length); } catch (err) { job.error = String((err && err.message) || err); }
    }
    return;
  }
  jobs.delete(m.job);
  if (job.fd !== undefined) closeSync(job.fd);
  if (m.type === 'digest') parentPort.postMessage(job.error === undefined ? { job: m.job, hex: job.hash.digest('hex') } : { job: m.job, error: job.error });
});
`;

type Answer = { job: number; hex: string } | { job: number; error: string };

/** One part's hash: ranges are added in order once written; `digest` waits for the last one. */
export interface RangeHash {
  add(position: number, length: number): void;
  digest(): Promise<string>;
  /** Forget the job (the write failed); no digest follows. */
  drop(): void;
}

/** One worker thread and the digests it owes. */
class HashWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly waiting = new Map<number, { resolve(hex: string): void; reject(err: Error): void }>();
  /** Jobs started and not yet digested or dropped: the pool gives a new part to the least busy worker. */
  open = 0;
  private alive = true;

  constructor(private readonly onGone: (worker: HashWorker) => void) {
    // It must not keep the process alive on its own (the server's sockets do while parts arrive).
    this.worker.unref();
    this.worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.job);
      this.waiting.delete(answer.job);
      if ('hex' in answer) waiter?.resolve(answer.hex);
      else waiter?.reject(new Error(`hashing the part failed: ${answer.error}`));
    });
    this.worker.on('error', (err) => this.gone(err));
    this.worker.on('exit', (code) => this.gone(new Error(`the hashing worker exited (code ${code})`)));
  }

  start(job: number, path: string): RangeHash {
    this.open++;
    this.worker.postMessage({ type: 'open', job, path });
    let ended = false;
    const end = () => {
      if (!ended) this.open--;
      ended = true;
    };
    return {
      add: (position, length) => this.worker.postMessage({ type: 'range', job, position, length }),
      digest: () =>
        new Promise<string>((resolve, reject) => {
          end();
          // The job's ranges went to a worker that has since died: its hash is lost.
          if (!this.alive) return reject(new Error('the hashing worker stopped before the part was hashed'));
          this.waiting.set(job, { resolve, reject });
          this.worker.postMessage({ type: 'digest', job });
        }),
      drop: () => {
        end();
        this.worker.postMessage({ type: 'drop', job });
      },
    };
  }

  async terminate(): Promise<void> {
    this.gone(new Error('storage closed while hashing a part'));
    await this.worker.terminate();
  }

  private gone(err: Error): void {
    if (!this.alive) return;
    this.alive = false;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
    this.onGone(this);
  }
}

/**
 * Hashes what part PUTs wrote on worker threads, so the MD5 (about 1.6
 * CPU-seconds per GiB here) runs beside the receiving thread instead of on
 * it: the upload's speed had been the speed of that one thread
 * (bench:upload). The bytes are read back from the file after each write
 * lands, so nothing is copied or held for the workers; PUTs of one part never
 * overlap (the part's lock), so the read-back is the bytes that PUT wrote.
 * One part's MD5 is sequential, so parts in parallel go to up to `size`
 * workers, each started when first needed; a worker that dies fails the
 * hashes it owed, and the next part starts another.
 */
export class RangeHasher {
  private readonly workers: HashWorker[] = [];
  private nextJob = 1;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  start(path: string): RangeHash {
    return this.pick().start(this.nextJob++, path);
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pick(): HashWorker {
    const leastBusy = this.workers.reduce<HashWorker | undefined>((best, w) => (!best || w.open < best.open ? w : best), undefined);
    if (leastBusy && (leastBusy.open === 0 || this.workers.length >= this.size)) return leastBusy;
    const worker = new HashWorker((gone) => {
      const at = this.workers.indexOf(gone);
      if (at >= 0) this.workers.splice(at, 1);
    });
    this.workers.push(worker);
    return worker;
  }
}
