import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import {
  NPY_PREAMBLE_BYTES,
  asFormatError,
  NpzFormatError,
  RATIO_CHECK_FLOOR,
  elementCount,
  npyDataOffset,
  parseNpyHeader,
  spoolNpz,
  type NpyHeader,
  type NpzLimits,
} from '../quality';

/** One .npy entry of the zip, its header read and nothing else. */
export interface NpzArray {
  name: string;
  header: NpyHeader;
  entry: Entry;
}

/** A zip with thousands of entries is not a recording's NPZ. */
const MAX_ENTRIES = 256;

/**
 * An NPZ read array by array and row by row, never whole: the file is spooled
 * to a private temp file (at most `limits.maxBytes`), its central directory and
 * each array's header read, and then per-frame arrays are streamed together, a
 * batch of rows at a time, each from its own inflating stream. Memory is one
 * batch of rows, whatever the take's length.
 */
export class NpzColumns {
  private constructor(
    private readonly file: string,
    private readonly zip: ZipFile,
    readonly arrays: NpzArray[],
  ) {}

  /** Spools and opens the NPZ; throws NpzFormatError for content that is not one. */
  static async open(source: Readable, limits: NpzLimits): Promise<NpzColumns> {
    const file = await spoolNpz(source, limits.maxBytes);
    try {
      const zip = await asFormatError(
        new Promise<ZipFile>((resolve, reject) =>
          yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, z) =>
            err ? reject(err) : resolve(z),
          ),
        ),
      );
      try {
        const arrays: NpzArray[] = [];
        for (const entry of await asFormatError(listEntries(zip))) {
          if (!entry.fileName.endsWith('.npy') || entry.fileName.includes('/')) continue;
          if (entry.isEncrypted()) throw new NpzFormatError(`${entry.fileName} is encrypted`);
          const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
          if (limits.maxCompressionRatio !== undefined && entry.uncompressedSize >= RATIO_CHECK_FLOOR && ratio > limits.maxCompressionRatio)
            throw new NpzFormatError(`${entry.fileName} inflates ${Math.round(ratio)}x, over the compression ratio limit`);
          arrays.push({ name: entry.fileName.slice(0, -'.npy'.length), header: await asFormatError(readHeader(zip, entry)), entry });
        }
        return new NpzColumns(file, zip, arrays);
      } catch (err) {
        zip.close();
        throw err;
      }
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
  }

  /**
   * The given arrays' rows (their first dimension, `rows` of them), `batch` rows
   * at a time: for each array the raw bytes of those rows, in file order.
   */
  async *rowBatches(
    arrays: readonly NpzArray[],
    rows: number,
    batch: number,
  ): AsyncGenerator<{ start: number; count: number; bytes: Buffer[] }> {
    const readers: ByteReader[] = [];
    try {
      for (const array of arrays) {
        const rowBytes = (elementCount(array.header.shape) / Math.max(1, array.header.shape[0]!)) * array.header.dtype.itemSize;
        if (array.header.shape[0] !== rows || array.entry.uncompressedSize !== array.header.dataOffset + rows * rowBytes)
          throw new NpzFormatError(`${array.name}.npy does not hold ${rows} rows of its declared shape`);
        const reader = new ByteReader(await asFormatError(openEntry(this.zip, array.entry)), array.name);
        readers.push(reader);
        await reader.read(array.header.dataOffset);
      }
      const rowBytes = arrays.map((a) => (elementCount(a.header.shape) / Math.max(1, rows)) * a.header.dtype.itemSize);
      for (let start = 0; start < rows; start += batch) {
        const count = Math.min(batch, rows - start);
        const bytes: Buffer[] = [];
        for (const [i, reader] of readers.entries()) bytes.push(await reader.read(count * rowBytes[i]!));
        yield { start, count, bytes };
      }
    } finally {
      for (const reader of readers) reader.close();
    }
  }

  async close(): Promise<void> {
    this.zip.close();
    await rm(this.file, { force: true });
  }
}

/** Pulls exact byte counts from a stream, holding no more than one chunk beyond them. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly stream: Readable,
    private readonly name: string,
  ) {
    this.iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered < n) {
      const next = await asFormatError(this.iterator.next());
      if (next.done) throw new NpzFormatError(`${this.name}.npy: truncated`);
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  close(): void {
    this.stream.destroy();
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

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
}

/** The header of one .npy entry: its first bytes only, the stream then dropped. */
async function readHeader(zip: ZipFile, entry: Entry): Promise<NpyHeader> {
  const reader = new ByteReader(await openEntry(zip, entry), entry.fileName);
  try {
    const preamble = await reader.read(Math.min(NPY_PREAMBLE_BYTES, entry.uncompressedSize));
    const offset = npyDataOffset(preamble);
    return parseNpyHeader(Buffer.concat([preamble, await reader.read(offset - preamble.length)]));
  } finally {
    reader.close();
  }
}
