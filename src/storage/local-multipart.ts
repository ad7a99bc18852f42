import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { assertSafeKey } from './keys';
import { KeyedMutex } from './keyed-mutex';
import { bareEtag } from './md5-meter';
import { writeBody } from './part-writer';
import { RangeHasher } from './range-hasher';
import type { PartUrlSigner } from './part-url-signer';
import { InvalidPartError, PartTooLargeError, UploadNotFoundError } from './errors';
import type { LocalPartReceiver, MultipartUploads, PendingMultipartUpload, StoredPart } from './types';

/**
 * S3-style multipart uploads on local disk, under DATA_DIR/.multipart/{uploadId}/:
 *
 *   meta.json   key, content type, part size, when it started
 *   data        the object being assembled: each part is written in place at
 *               (partNumber - 1) * partSize, so completing is a rename, not a copy
 *   parts/NNNNN "<md5> <size>" for each part written whole
 *
 * A part record exists only while its bytes in `data` are exactly that part:
 * a PUT removes the record before writing and restores it only after the
 * last byte, so a PUT that breaks off leaves the part missing, never wrong.
 * PUTs of one part run one after another (the last one wins, as on S3).
 * The locks are in-process: the local driver serves one process.
 */

const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;

interface UploadMeta {
  key: string;
  contentType: string;
  partSize: number;
  initiated: string;
}

export class LocalMultipart implements MultipartUploads, LocalPartReceiver {
  private readonly base: string;
  private readonly locks = new KeyedMutex();
  /** Parts' MD5s, on a worker thread beside the one receiving the bytes. */
  private readonly hasher = new RangeHasher();

  /** `pathOf` maps a checked key to its final file path. */
  constructor(
    root: string,
    readonly signer: PartUrlSigner,
    private readonly pathOf: (key: string) => string,
  ) {
    this.base = path.join(root, '.multipart');
  }

  async createMultipartUpload(key: string, options: { contentType: string; partSize: number }): Promise<string> {
    this.pathOf(key);
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.dirOf(uploadId);
    try {
      await mkdir(path.join(dir, 'parts'), { recursive: true });
      await this.writeUploadFile(path.join(dir, 'data'), '');
      const meta: UploadMeta = { key, ...options, initiated: new Date().toISOString() };
      await this.writeUploadFile(path.join(dir, 'meta.json'), JSON.stringify(meta));
    } catch (err) {
      // A full disk (507) or a failing one: the start is refused, so nothing of it stays behind.
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    return uploadId;
  }

  /** Writes one of a new upload's files (a method, so the disk-failure tests can make it fail as a full disk does). */
  async writeUploadFile(file: string, content: string): Promise<void> {
    await writeFile(file, content);
  }

  async presignPartUrl(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
    return this.signer.url({ uploadId, key: assertSafeKey(key), partNumber, expires });
  }

  /** Streams one part into place; resolves with its quoted MD5 and size. */
  async writePart(key: string, uploadId: string, partNumber: number, body: Readable): Promise<StoredPart> {
    return this.locks.run(partLock(uploadId, partNumber), async () => {
      const meta = await this.meta(key, uploadId);
      const dir = this.dirOf(uploadId);
      const record = partRecordPath(dir, partNumber);
      await unlink(record).catch(ignoreMissing);
      const data = path.join(dir, 'data');
      let file;
      try {
        file = await open(data, 'r+');
      } catch (err) {
        // The upload was aborted or completed under us.
        if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') throw new UploadNotFoundError(uploadId);
        throw err;
      }
      let part: StoredPart;
      try {
        const written = await writeBody(
          body,
          file,
          (partNumber - 1) * meta.partSize,
          meta.partSize,
          () => new PartTooLargeError(meta.partSize),
          this.hasher.start(data),
        );
        part = { partNumber, ...written };
      } finally {
        await file.close();
      }
      // Written to a temporary name and renamed, so a record is never half there.
      const temp = `${record}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, `${part.etag.slice(1, -1)} ${part.size}`);
      await rename(temp, record);
      return part;
    });
  }

  /** Ends the hashing worker. */
  close(): Promise<void> {
    return this.hasher.close();
  }

  async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    await this.meta(key, uploadId);
    const partsDir = path.join(this.dirOf(uploadId), 'parts');
    const names = (await readdir(partsDir).catch(missingAsEmpty)).filter((n) => /^\d{5}$/.test(n)).sort();
    const parts: StoredPart[] = [];
    for (const name of names) {
      const part = await readPartRecord(partsDir, name);
      if (part) parts.push(part);
    }
    return parts;
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): Promise<{ etag: string }> {
    const meta = await this.meta(key, uploadId);
    const dir = this.dirOf(uploadId);
    // Holding every part's lock waits out PUTs in flight and keeps new ones out until the upload is gone.
    const releases: Array<() => void> = [];
    try {
      for (const { partNumber } of parts) releases.push(await this.locks.acquire(partLock(uploadId, partNumber)));
      await this.meta(key, uploadId);
      const digests: Buffer[] = [];
      let total = 0;
      for (const [index, given] of parts.entries()) {
        const stored = await readPartRecord(path.join(dir, 'parts'), pad(given.partNumber));
        if (given.partNumber !== index + 1) throw new InvalidPartError('parts must be numbered 1, 2, 3, ... without gaps');
        if (!stored || bareEtag(stored.etag) !== bareEtag(given.etag)) {
          throw new InvalidPartError(`part ${given.partNumber} is not stored with ETag ${given.etag}`);
        }
        const last = index === parts.length - 1;
        if (!last && stored.size !== meta.partSize) {
          throw new InvalidPartError(
            `part ${given.partNumber} has ${stored.size} bytes; every part but the last must have ${meta.partSize}`,
          );
        }
        digests.push(Buffer.from(stored.etag.slice(1, -1), 'hex'));
        total += stored.size;
      }
      const data = path.join(dir, 'data');
      const handle = await open(data, 'r+').catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // A complete that moved the data into place and died before removing the folder: the upload is done.
        await rm(dir, { recursive: true, force: true });
        throw new UploadNotFoundError(uploadId);
      });
      try {
        await handle.truncate(total);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const target = this.pathOf(meta.key);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(data, target);
      await rm(dir, { recursive: true, force: true });
      return { etag: `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"` };
    } finally {
      for (const release of releases) release();
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    if (!UPLOAD_ID_PATTERN.test(uploadId)) return;
    const meta = await this.readMeta(uploadId);
    // Without metadata (a create that broke off, listed with key '') there is no key to compare: it goes.
    if (meta && meta.key !== key) return;
    await rm(this.dirOf(uploadId), { recursive: true, force: true });
  }

  async *listMultipartUploads(): AsyncIterable<PendingMultipartUpload> {
    const ids = (await readdir(this.base).catch(missingAsEmpty)).filter((n) => UPLOAD_ID_PATTERN.test(n));
    for (const uploadId of ids) {
      const meta = await this.readMeta(uploadId);
      if (meta) {
        yield { key: meta.key, uploadId, initiated: new Date(meta.initiated) };
      } else {
        // A directory without metadata is a create that broke off; listed with key '' so the sweep aborts it.
        const info = await stat(this.dirOf(uploadId)).catch(() => null);
        if (info) yield { key: '', uploadId, initiated: info.mtime };
      }
    }
  }

  /** The one place an upload ID becomes a path: only IDs of this driver's form, so none can leave `.multipart/`. */
  private dirOf(uploadId: string): string {
    if (!UPLOAD_ID_PATTERN.test(uploadId)) throw new UploadNotFoundError(uploadId);
    return path.join(this.base, uploadId);
  }

  private async meta(key: string, uploadId: string): Promise<UploadMeta> {
    if (!UPLOAD_ID_PATTERN.test(uploadId)) throw new UploadNotFoundError(uploadId);
    const meta = await this.readMeta(uploadId);
    if (!meta || meta.key !== key) throw new UploadNotFoundError(uploadId);
    return meta;
  }

  private async readMeta(uploadId: string): Promise<UploadMeta | null> {
    try {
      return JSON.parse(await readFile(path.join(this.dirOf(uploadId), 'meta.json'), 'utf8')) as UploadMeta;
    } catch {
      return null;
    }
  }
}

const pad = (partNumber: number) => String(partNumber).padStart(5, '0');
const partLock = (uploadId: string, partNumber: number) => `${uploadId}:${partNumber}`;
const partRecordPath = (dir: string, partNumber: number) => path.join(dir, 'parts', pad(partNumber));

async function readPartRecord(partsDir: string, name: string): Promise<StoredPart | null> {
  try {
    const [md5, size] = (await readFile(path.join(partsDir, name), 'utf8')).split(' ');
    if (!md5 || !/^[0-9a-f]{32}$/.test(md5) || !size) return null;
    return { partNumber: Number(name), etag: `"${md5}"`, size: Number(size) };
  } catch {
    return null;
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException)?.code !== 'ENOENT') throw err;
}

function missingAsEmpty(err: unknown): string[] {
  if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return [];
  throw err;
}
