import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteBuffers, writeBody } from '../../src/storage/part-writer';

/** Chunks of uneven sizes, so buffer boundaries fall inside chunks and chunks span several buffers. */
function chunked(bytes: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks);
}

const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

describe('part writer', () => {
  let dir: string;
  let file: FileHandle;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'capture-part-writer-'));
    file = await open(path.join(dir, 'data'), 'w+');
  });

  afterEach(async () => {
    await file.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the body at its offset through small buffers and answers its MD5 and size', async () => {
    const buffers = new WriteBuffers(16, 4);
    const first = Buffer.from('a'.repeat(100));
    const second = Buffer.from(Array.from({ length: 77 }, (_, i) => String.fromCharCode(65 + (i % 26))).join(''));
    // Part 2 first, as parallel PUTs may arrive: each lands at (partNumber - 1) * partSize.
    const part2 = await writeBody(chunked(second, [5, 33, 1]), file, 100, 100, () => new Error('too large'), buffers);
    const part1 = await writeBody(chunked(first, [7, 40]), file, 0, 100, () => new Error('too large'), buffers);
    expect(part1).toEqual({ etag: md5(first), size: 100 });
    expect(part2).toEqual({ etag: md5(second), size: 77 });
    await file.sync();
    expect(readFileSync(path.join(dir, 'data'))).toEqual(Buffer.concat([first, second]));
  });

  it('fails with the given error past the limit, and gives its buffers back for the next part', async () => {
    const buffers = new WriteBuffers(16, 2);
    const pool = [buffers.take(), buffers.take()];
    for (const b of pool) buffers.give(b);
    const tooLarge = new Error('part too large');
    await expect(writeBody(chunked(Buffer.alloc(50, 1), [10]), file, 0, 40, () => tooLarge, buffers)).rejects.toBe(tooLarge);
    const after = [buffers.take(), buffers.take()];
    // The same two objects (identity, not content): the failed part allocated nothing and kept nothing.
    expect(after[0]).not.toBe(after[1]);
    expect(after.every((b) => pool.includes(b))).toBe(true);
    for (const b of after) buffers.give(b);
    const again = Buffer.alloc(40, 2);
    expect(await writeBody(chunked(again, [10]), file, 0, 40, () => tooLarge, buffers)).toEqual({ etag: md5(again), size: 40 });
  });

  it('hands a failed disk write to the caller', async () => {
    const buffers = new WriteBuffers(16, 2);
    const readOnly = await open(path.join(dir, 'data'), 'r');
    try {
      await expect(
        writeBody(chunked(Buffer.alloc(64, 3), [8]), readOnly, 0, 100, () => new Error('too large'), buffers),
      ).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      await readOnly.close();
    }
  });
});
