import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type Stats } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError } from './errors';
import { assertSafeKey } from './keys';
import { LocalMultipart } from './local-multipart';
import { removeStaleTempFiles, tempFileFor } from './local-temp-files';
import { md5Meter } from './md5-meter';
import { PartUrlSigner } from './part-url-signer';
import type { LocalPartReceiver, ObjectStorage, StoredObject } from './types';

export interface LocalStorageOptions {
  /** Signs part URLs; derive it from the server secret so URLs survive a restart. */
  signingSecret?: string;
}

/**
 * Recordings on local disk under DATA_DIR, keyed exactly like the bucket.
 * Names starting with '.' are the driver's own working files (for example
 * in-progress multipart parts) and are never listed as objects.
 */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  readonly multipart: LocalMultipart;
  /** Part URLs point back at this server: the same multipart area receives the bodies. */
  readonly localParts: LocalPartReceiver;

  constructor(
    readonly root: string,
    options: LocalStorageOptions = {},
  ) {
    const multipart = new LocalMultipart(root, new PartUrlSigner(options.signingSecret), (key) => this.pathOf(key));
    this.multipart = multipart;
    this.localParts = multipart;
  }

  get location(): string {
    return this.root;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }

  /** The file path of a key; the key is checked so the path cannot leave the root. */
  pathOf(key: string): string {
    const full = path.resolve(this.root, assertSafeKey(key));
    if (!full.startsWith(this.root + path.sep)) throw new ObjectNotFoundError(key);
    return full;
  }

  async *listObjects(prefix = ''): AsyncIterable<StoredObject> {
    yield* this.walk('', prefix);
  }

  async headObject(key: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? toObject(key, info) : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async readObject(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    const info = await stat(file).catch((err: unknown) => {
      if (isMissing(err)) throw new ObjectNotFoundError(key);
      throw err;
    });
    if (!info.isFile()) throw new ObjectNotFoundError(key);
    return createReadStream(file);
  }

  async readRange(key: string, start: number, length: number): Promise<Buffer> {
    const handle = await open(this.pathOf(key), 'r').catch((err: unknown) => {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') throw new ObjectNotFoundError(key);
      throw err;
    });
    try {
      const buffer = Buffer.alloc(Math.max(0, length));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async deleteObject(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async putObjectStream(key: string, body: Readable, _contentType: string): Promise<{ etag: string; size: number }> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    // A dot-name beside the target: invisible to listObjects, and the rename stays on one file system.
    const temp = tempFileFor(target);
    const meter = md5Meter();
    try {
      await pipeline(body, meter.stream, createWriteStream(temp));
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { etag: meter.etag(), size: meter.size };
  }

  /** copy_file_range (or a reflink) into a dot-named temp file, renamed into place: whole or not at all. */
  async copyObject(fromKey: string, toKey: string): Promise<{ etag: string; size: number }> {
    const source = this.pathOf(fromKey);
    const target = this.pathOf(toKey);
    const info = await stat(source).catch((err: unknown) => {
      if (isMissing(err)) throw new ObjectNotFoundError(fromKey);
      throw err;
    });
    if (!info.isFile()) throw new ObjectNotFoundError(fromKey);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = tempFileFor(target);
    try {
      await copyFile(source, temp);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      if (isMissing(err)) throw new ObjectNotFoundError(fromKey);
      throw err;
    }
    const { etag, size } = toObject(toKey, await stat(target));
    return { etag, size };
  }

  /** Bytes an unprivileged writer may still use on DATA_DIR's file system. */
  async freeBytes(): Promise<number> {
    await mkdir(this.root, { recursive: true });
    const fs = await statfs(this.root);
    return fs.bavail * fs.bsize;
  }

  /** Temp files of whole-object writes that never finished (the writer was killed), older than `olderThan`. */
  removeStaleTempFiles(olderThan: Date): Promise<number> {
    return removeStaleTempFiles(this.root, olderThan);
  }

  close(): Promise<void> {
    return this.multipart.close();
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<StoredObject> {
    let entries;
    try {
      entries = await readdir(path.join(this.root, dirKey), { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    // S3 lists in key order; sorting names by their key form keeps the same order.
    const named = entries
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({ entry: e, key: dirKey ? `${dirKey}/${e.name}` : e.name }))
      .sort((a, b) => compareKeys(a.entry.isDirectory() ? `${a.key}/` : a.key, b.entry.isDirectory() ? `${b.key}/` : b.key));
    for (const { entry, key } of named) {
      if (entry.isDirectory()) {
        // Only descend where the prefix can still match.
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(path.join(this.root, key)).catch(() => null);
        if (info?.isFile()) yield toObject(key, info);
      }
    }
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toObject(key: string, info: Stats): StoredObject {
  // A content stamp, not an MD5: cheap to compute and changes whenever the file is replaced.
  const stamp = createHash('sha1').update(`${info.size}:${info.mtimeMs}:${info.ino}`).digest('hex');
  return { key, size: info.size, lastModified: info.mtime, etag: `"${stamp}"` };
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
