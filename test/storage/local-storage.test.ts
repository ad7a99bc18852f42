import os from 'node:os';
import path from 'node:path';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage, ObjectNotFoundError, UploadNotFoundError, isSafeKey } from '../../src/storage';

describe('local storage driver (read side)', () => {
  let root: string;
  let storage: LocalStorage;

  const put = (key: string, body: string) => {
    mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
    writeFileSync(path.join(root, key), body);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'capture-local-'));
    storage = new LocalStorage(root);
  });

  it('lists objects in key order like S3, skipping its own dot-files', async () => {
    put('sessions/20260206_143052/recording.mp4', 'video');
    put('sessions/20260206_143052/session_data.npz', 'npz');
    put('sessions/20260206_151230/recording.mp4', 'v2');
    put('client_output/out.zip', 'zip');
    put('a-b', 'x');
    put('a/b', 'y');
    put('.multipart/upload-1/part-1', 'partial');
    const keys: string[] = [];
    for await (const o of storage.listObjects()) keys.push(o.key);
    expect(keys).toEqual([
      'a-b',
      'a/b',
      'client_output/out.zip',
      'sessions/20260206_143052/recording.mp4',
      'sessions/20260206_143052/session_data.npz',
      'sessions/20260206_151230/recording.mp4',
    ]);
    const sessions: string[] = [];
    for await (const o of storage.listObjects('sessions/20260206_14')) sessions.push(o.key);
    expect(sessions).toHaveLength(2);
  });

  it('heads and reads objects, and reports missing ones', async () => {
    put('sessions/20260206_143052/recording.mp4', 'hello');
    const head = await storage.headObject('sessions/20260206_143052/recording.mp4');
    expect(head).toMatchObject({ key: 'sessions/20260206_143052/recording.mp4', size: 5 });
    expect(head!.etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await text(await storage.readObject('sessions/20260206_143052/recording.mp4'))).toBe('hello');
    expect(await storage.headObject('sessions/none')).toBeNull();
    await expect(storage.readObject('sessions/none')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('changes the ETag when the content changes', async () => {
    put('k', 'one');
    const before = (await storage.headObject('k'))!.etag;
    await new Promise((r) => setTimeout(r, 20));
    put('k', 'two!');
    expect((await storage.headObject('k'))!.etag).not.toBe(before);
  });

  it('refuses keys that could leave the data directory', async () => {
    for (const key of ['../etc/passwd', '/etc/passwd', 'sessions/../../x', 'a//b', 'a/./b', '', '.hidden', 'a\\b']) {
      expect(isSafeKey(key)).toBe(false);
      await expect(storage.readObject(key)).rejects.toThrow();
    }
  });

  it('never turns an upload ID that is not its own form into a path', async () => {
    put('keep.txt', 'outside the multipart area');
    const key = 'sessions/20260206_143052/recording.mp4';
    for (const id of ['..', '../..', '.', 'abc/../..']) {
      await expect(storage.multipart.listParts(key, id)).rejects.toBeInstanceOf(UploadNotFoundError);
      await storage.multipart.abortMultipartUpload(key, id);
      // How the sweep discards a create that broke off (listed with key '').
      await storage.multipart.abortMultipartUpload('', id);
    }
    expect(readFileSync(path.join(root, 'keep.txt'), 'utf8')).toBe('outside the multipart area');
  });

  it('finishes a complete that moved the data into place and died before removing its folder: not found, folder gone (issue 37)', async () => {
    const key = 'sessions/20260206_143052/recording.mp4';
    const uploadId = await storage.multipart.createMultipartUpload(key, { contentType: 'video/mp4', partSize: 5 });
    const { etag } = await storage.multipart.writePart(key, uploadId, 1, Readable.from([Buffer.from('hello')]));
    const dir = path.join(root, '.multipart', uploadId);
    const saved = mkdtempSync(path.join(os.tmpdir(), 'capture-local-saved-'));
    cpSync(dir, saved, { recursive: true });
    await storage.multipart.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag }]);
    // The folder as a SIGKILL between the rename and the removal leaves it: everything but the data.
    cpSync(saved, dir, { recursive: true });
    rmSync(path.join(dir, 'data'));
    await expect(storage.multipart.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag }])).rejects.toBeInstanceOf(
      UploadNotFoundError,
    );
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(path.join(root, key), 'utf8')).toBe('hello');
  });
});
