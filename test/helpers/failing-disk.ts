import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LocalStorage } from '../../src/storage';

/** An error as fs raises it when the disk is full (ENOSPC) or failing (EIO). */
export function diskError(code: 'ENOSPC' | 'EIO'): NodeJS.ErrnoException {
  const message = code === 'ENOSPC' ? 'no space left on device' : 'i/o error';
  return Object.assign(new Error(`${code}: ${message}, write`), { code, errno: code === 'ENOSPC' ? -28 : -5, syscall: 'write' });
}

/**
 * Makes a LocalStorage's writes fail as a full or failing disk does, while `disk.failing` is
 * set: an upload's files at its start, part PUTs and whole-object writes stream their body into a file stream that errors on
 * its first write. That destroys the request body too, exactly as a real ENOSPC does.
 */
export function injectDiskFailures(storage: LocalStorage): { failing?: 'ENOSPC' | 'EIO' } {
  const disk: { failing?: 'ENOSPC' | 'EIO' } = {};
  const failingSink = (code: 'ENOSPC' | 'EIO') =>
    new Writable({
      write(_chunk, _encoding, done) {
        done(diskError(code));
      },
    });
  const parts = storage.localParts;
  const writePart = parts.writePart.bind(parts);
  parts.writePart = async (key: string, uploadId: string, partNumber: number, body: Readable) => {
    if (!disk.failing) return writePart(key, uploadId, partNumber, body);
    await pipeline(body, failingSink(disk.failing));
    throw new Error('unreachable: the sink fails');
  };
  // Creating an upload: its folder is made, then its first file fails to write, as on a full disk.
  const multipart = storage.multipart;
  const writeUploadFile = multipart.writeUploadFile.bind(multipart);
  multipart.writeUploadFile = async (file: string, content: string) => {
    if (disk.failing) throw diskError(disk.failing);
    return writeUploadFile(file, content);
  };
  const putObjectStream = storage.putObjectStream.bind(storage);
  storage.putObjectStream = async (key: string, body: Readable, contentType: string) => {
    if (!disk.failing) return putObjectStream(key, body, contentType);
    await pipeline(body, failingSink(disk.failing));
    throw new Error('unreachable: the sink fails');
  };
  return disk;
}
