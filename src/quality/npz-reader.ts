import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { expectedDataBytes, decodeNpyData, type NpyArray } from './npy-decode';
import { NPY_PREAMBLE_BYTES, NpyFormatError, npyDataOffset, parseNpyHeader } from './npy';

/**
 * Reads an .npz (a zip of .npy files) without holding the file in memory: the
 * stream is spooled to a private temp file and the zip is read with random
 * access from its central directory. Before any array is allocated, the size
 * its header declares must match the size the zip declares for the entry, and
 * stay under the limits; yauzl then refuses to inflate more bytes than the zip
 * declared, so neither a lying header nor a zip bomb can exhaust memory.
 */

export interface NpzLimits {
  /** Largest file spooled, and the most bytes all decoded arrays may take together. */
  maxBytes: number;
}

/** The file's content is not a readable NPZ (as opposed to storage failing to deliver it). */
export class NpzFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpzFormatError';
  }
}

/** Pickled and text arrays become JS objects and strings several times their size: keep them small. */
const MAX_OBJECT_ARRAY_BYTES = 16 * 1024 * 1024;
/** An NPZ holds a handful of arrays; a zip with thousands of entries is not one. */
const MAX_ENTRIES = 256;

/**
 * Decodes the arrays of an NPZ stream, keyed by name without `.npy`.
 * `only` restricts decoding to those names (others are listed but skipped).
 * Throws NpzFormatError for bad content; other errors come from the source.
 */
export async function readNpz(source: Readable, limits: NpzLimits, only?: readonly string[]): Promise<Map<string, NpyArray>> {
  const file = path.join(os.tmpdir(), `capture-npz-${randomUUID()}.npz`);
  try {
    await pipeline(source, byteLimit(limits.maxBytes), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    return await readZipFile(file, limits, only);
  } finally {
    await rm(file, { force: true });
  }
}

async function readZipFile(file: string, limits: NpzLimits, only?: readonly string[]): Promise<Map<string, NpyArray>> {
  const zip = await asFormatError(
    new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, z) =>
        err ? reject(err) : resolve(z),
      ),
    ),
  );
  try {
    const entries = await asFormatError(listEntries(zip));
    const arrays = new Map<string, NpyArray>();
    let budget = limits.maxBytes;
    for (const entry of entries) {
      if (!entry.fileName.endsWith('.npy')) continue;
      const name = entry.fileName.slice(0, -'.npy'.length);
      if (only && !only.includes(name)) continue;
      if (arrays.has(name)) throw new NpzFormatError(`the zip holds ${name}.npy twice`);
      if (entry.uncompressedSize > budget) {
        throw new NpzFormatError(`${name}.npy declares ${entry.uncompressedSize} bytes, over the ${limits.maxBytes}-byte limit`);
      }
      budget -= entry.uncompressedSize;
      arrays.set(name, await readEntry(zip, entry, name));
    }
    return arrays;
  } finally {
    zip.close();
  }
}

function listEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      if (entries.length > MAX_ENTRIES) return reject(new NpzFormatError(`more than ${MAX_ENTRIES} entries`));
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

async function readEntry(zip: ZipFile, entry: Entry, name: string): Promise<NpyArray> {
  if (entry.isEncrypted()) throw new NpzFormatError(`${name}.npy is encrypted`);
  const stream = await asFormatError(
    new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s)))),
  );
  try {
    return await asFormatError(decodeEntryStream(stream, entry.uncompressedSize, name));
  } finally {
    stream.destroy();
  }
}

/** Reads header bytes first, checks the declared size against the zip's, then fills one exact buffer. */
async function decodeEntryStream(stream: Readable, entrySize: number, name: string): Promise<NpyArray> {
  const fail = (why: string): never => {
    throw new NpyFormatError(`${name}.npy: ${why}`);
  };
  let head = Buffer.alloc(0);
  let data: Buffer | undefined;
  let header: ReturnType<typeof parseNpyHeader> | undefined;
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let rest = chunk;
    if (!header) {
      head = Buffer.concat([head, rest]);
      if (head.length < NPY_PREAMBLE_BYTES && head.length < entrySize) continue;
      const offset = npyDataOffset(head);
      if (head.length < offset) continue;
      header = parseNpyHeader(head.subarray(0, offset));
      const declared = expectedDataBytes(header);
      const available = entrySize - offset;
      if (declared !== undefined && declared !== available) {
        fail(`header declares ${declared} bytes of data but the entry holds ${available}`);
      }
      const becomesObjects = header.dtype.kind !== 'float' && header.dtype.kind !== 'bool';
      if (becomesObjects && available > MAX_OBJECT_ARRAY_BYTES) fail(`${header.dtype.descr} array of ${available} bytes is too large`);
      data = Buffer.alloc(available);
      rest = head.subarray(offset);
    }
    if (filled + rest.length > data!.length) fail('more data than declared');
    rest.copy(data!, filled);
    filled += rest.length;
  }
  if (!header) return fail('truncated before the end of the header');
  if (filled !== data!.length) fail(`truncated: ${filled} of ${data!.length} data bytes`);
  return decodeNpyData(header, data!);
}

/** Zip and .npy problems are the content's fault: report them as NpzFormatError. */
async function asFormatError<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof NpzFormatError) throw err;
    if (err instanceof NpyFormatError || isZipError(err)) throw new NpzFormatError((err as Error).message);
    throw err;
  }
}

/** yauzl and zlib report malformed input as plain Errors; file-system errors carry an errno code. */
function isZipError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined || code.startsWith('Z_') || code.startsWith('ERR_ZLIB');
}

function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      seen += chunk.length;
      if (seen > max) return callback(new NpzFormatError(`file is larger than the ${max}-byte limit`));
      callback(null, chunk);
    },
  });
}
