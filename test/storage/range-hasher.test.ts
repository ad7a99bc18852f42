import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RangeHasher } from '../../src/storage/range-hasher';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/** One part of one range: its digest. */
function hashRange(hasher: RangeHasher, file: string, position: number, length: number): Promise<string> {
  const job = hasher.start(file);
  job.add(position, length);
  return job.digest();
}

describe('RangeHasher', () => {
  let dir: string;
  let hasher: RangeHasher;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'range-hasher-'));
  });
  afterEach(async () => {
    await hasher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the MD5 of the ranges it was given, for parts hashed side by side on a pool of workers', async () => {
    hasher = new RangeHasher(2);
    const file = path.join(dir, 'data');
    // Three 3 MiB parts of one file, each hashed in three ranges that cross the worker's 1 MiB read buffer.
    const bytes = randomBytes(9 * 1024 * 1024);
    await writeFile(file, bytes);
    const part = 3 * 1024 * 1024;
    const jobs = [0, 1, 2].map(() => hasher.start(file));
    const ranges = [
      [0, 1_500_000],
      [1_500_000, 2_900_000],
      [2_900_000, part],
    ] as const;
    for (const [from, to] of ranges) jobs.forEach((job, i) => job.add(i * part + from, to - from));
    const digests = await Promise.all(jobs.map((job) => job.digest()));
    expect(digests).toEqual([0, 1, 2].map((i) => md5(bytes.subarray(i * part, (i + 1) * part))));
  });

  it('answers the MD5 of nothing for a part without bytes', async () => {
    hasher = new RangeHasher(1);
    await expect(hasher.start(path.join(dir, 'never-read')).digest()).resolves.toBe(md5(Buffer.alloc(0)));
  });

  it('fails the digest of a part it could not read, and goes on hashing the next', async () => {
    hasher = new RangeHasher(1);
    await expect(hashRange(hasher, path.join(dir, 'gone'), 0, 10)).rejects.toThrow(/hashing the part failed: .*ENOENT/);
    const short = path.join(dir, 'short');
    await writeFile(short, Buffer.from('abc'));
    await expect(hashRange(hasher, short, 0, 10)).rejects.toThrow(/shorter than what was written/);
    await expect(hashRange(hasher, short, 0, 3)).resolves.toBe(md5(Buffer.from('abc')));
  });

  /** A one-worker hasher and a part of a written file 'hello', started and given its bytes. */
  async function helloPart() {
    hasher = new RangeHasher(1);
    const file = path.join(dir, 'data');
    await writeFile(file, Buffer.from('hello'));
    const part = hasher.start(file);
    part.add(0, 5);
    return { file, part };
  }

  it('fails a part whose worker is gone, and starts a new worker for the next part', async () => {
    const { file, part } = await helloPart();
    await hasher.close();
    await expect(part.digest()).rejects.toThrow(/stopped before the part was hashed/);
    await expect(hashRange(hasher, file, 0, 5)).resolves.toBe(md5(Buffer.from('hello')));
  });

  it('forgets a dropped part', async () => {
    const { file, part } = await helloPart();
    part.drop();
    await expect(hashRange(hasher, file, 1, 4)).resolves.toBe(md5(Buffer.from('ello')));
  });
});
