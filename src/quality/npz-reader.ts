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
  /**
   * Largest uncompressed/compressed size ratio of an entry of at least
   * RATIO_CHECK_FLOOR bytes. Measured float data deflates a few times at most;
   * a few hundred KB that inflate to hundreds of MB is an attack, not a recording.
   */
  maxCompressionRatio?: number;
}

/** Entries smaller than this are not ratio-checked: small arrays of zeros compress very well and cost nothing. */
export const RATIO_CHECK_FLOOR = 1024 * 1024;

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
  const file = await spoolNpz(source, limits.maxBytes);
  try {
    return await readNpzFile(file, limits, only);
  } finally {
    await rm(file, { force: true });
  }
}

/** Spools the stream to a private temp file (at most `maxBytes`); the caller removes it. */
export async function spoolNpz(source: Readable, maxBytes: number): Promise<string> {
  const file = path.join(os.tmpdir(), `capture-npz-${randomUUID()}.npz`);
  try {
    await pipeline(source, byteLimit(maxBytes), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    return file;
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

/**
 * The bytes decoding the file's arrays will take, from the zip's central
 * directory alone (nothing is inflated); throws NpzFormatError for a file over
 * the limits. Lets a caller reserve memory before decoding.
 */
export async function planNpz(file: string, limits: NpzLimits, only?: readonly string[]): Promise<number> {
  return withZip(file, async (zip) => {
    const entries = await asFormatError(listEntries(zip));
    return selectEntries(entries, limits, only).reduce((sum, e) => sum + e.entry.uncompressedSize, 0);
  });
}

/** Decodes the arrays of a spooled NPZ file (see readNpz). */
export async function readNpzFile(file: string, limits: NpzLimits, only?: readonly string[]): Promise<Map<string, NpyArray>> {
  return withZip(file, async (zip) => {
    const entries = await asFormatError(listEntries(zip));
    const arrays = new Map<string, NpyArray>();
    for (const { entry, name } of selectEntries(entries, limits, only)) arrays.set(name, await readEntry(zip, entry, name));
    return arrays;
  });
}

async function withZip<T>(file: string, use: (zip: ZipFile) => Promise<T>): Promise<T> {
  const zip = await asFormatError(
    new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, z) =>
        err ? reject(err) : resolve(z),
      ),
    ),
  );
  try {
    return await use(zip);
  } finally {
    zip.close();
  }
}

/** The .npy entries to decode, checked against the limits before any is inflated. */
function selectEntries(entries: Entry[], limits: NpzLimits, only?: readonly string[]): Array<{ entry: Entry; name: string }> {
  const selected: Array<{ entry: Entry; name: string }> = [];
  const names = new Set<string>();
  let budget = limits.maxBytes;
  for (const entry of entries) {
    if (!entry.fileName.endsWith('.npy')) continue;
    const name = entry.fileName.slice(0, -'.npy'.length);
    if (only && !only.includes(name)) continue;
    if (names.has(name)) throw new NpzFormatError(`the zip holds ${name}.npy twice`);
    names.add(name);
    if (entry.uncompressedSize > budget) {
      throw new NpzFormatError(`${name}.npy declares ${entry.uncompressedSize} bytes, over the ${limits.maxBytes}-byte limit`);
    }
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (limits.maxCompressionRatio !== undefined && entry.uncompressedSize >= RATIO_CHECK_FLOOR && ratio > limits.maxCompressionRatio) {
      throw new NpzFormatError(
        `${name}.npy inflates ${entry.compressedSize} bytes to ${entry.uncompressedSize} (${Math.round(ratio)}x), over the ${limits.maxCompressionRatio}x compression ratio limit`,
      );
    }
    budget -= entry.uncompressedSize;
    selected.push({ entry, name });
  }
  return selected;
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
export async function asFormatError<T>(promise: Promise<T>): Promise<T> {
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
