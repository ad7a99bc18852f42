import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidPartError, ObjectNotFoundError, UploadNotFoundError, type ObjectStorage } from '../../src/storage';
import { MiB, md5Etag, randomFile, sha256, slice } from '../uploads/upload-client';

/**
 * Calls a storage server under test does not implement. Their cases are
 * skipped for it and must be covered another way (for s3rver: against
 * aws-sdk-client-mock, answering as S3 documents).
 */
export type StorageGap =
  | 'listParts'
  | 'listMultipartUploads'
  | 'abortMultipartUpload'
  /** Complete checks the part ETags and the upload ID before assembling. */
  | 'completeChecks'
  /** Listing in byte order of the key, as S3 does, rather than a folder's contents first. */
  | 'byteKeyOrder';

export interface ContractSubject {
  storage: ObjectStorage;
  stop(): Promise<void>;
}

/**
 * What every ObjectStorage driver promises, run against each driver (the local
 * driver and S3 over s3rver), like tus-node-server's shared store tests. The
 * subject is started once per file; each case works under a prefix of its own,
 * so the cases never see each other's objects.
 */
export function objectStorageContract(name: string, start: () => Promise<ContractSubject>, gaps: readonly StorageGap[] = []): void {
  const has = (call: StorageGap) => !gaps.includes(call);
  /**
   * A case for calls this driver's test server offers; for the others the case
   * is not registered at all (their coverage is named where the gaps are listed),
   * so nothing shows as skipped.
   */
  const itWith = (...calls: StorageGap[]): typeof it => (calls.every(has) ? it : ((() => undefined) as unknown as typeof it));

  describe(`ObjectStorage contract: ${name}`, () => {
    let subject: ContractSubject;
    let storage: ObjectStorage;
    let prefix = '';
    let cases = 0;
    beforeAll(async () => {
      subject = await start();
      storage = subject.storage;
    });
    afterAll(async () => {
      await subject?.stop();
    });
    beforeEach(() => {
      prefix = `contract/${++cases}/`;
    });

    const put = (key: string, body: string | Buffer) =>
      storage.putObjectStream(key, Readable.from([Buffer.from(body)]), 'application/octet-stream');
    const read = async (key: string) => buffer(await storage.readObject(key));
    const keysUnder = async (p: string) => (await all(storage.listObjects(p))).map((o) => o.key);

    describe('objects', () => {
      it('streams a body in and answers its size and MD5; head, list and read agree', async () => {
        const key = `${prefix}sessions/20260206_143052/session_data.npz`;
        const body = randomFile(70_000);
        const before = Date.now();
        const stored = await storage.putObjectStream(
          key,
          Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
          'application/octet-stream',
        );
        expect(stored).toEqual({ etag: md5Etag(body), size: body.length });

        const head = await storage.headObject(key);
        expect(head).toMatchObject({ key, size: body.length });
        expect(head!.etag).toMatch(/^".+"$/);
        // Object stores keep whole seconds; allow for that and for clock steps.
        expect(Math.abs(head!.lastModified.getTime() - before)).toBeLessThan(60_000);
        expect(await all(storage.listObjects(prefix))).toEqual([head]);
        expect(sha256(await read(key))).toBe(sha256(body));
      });

      it('replaces an object whole; its ETag is stable while the content is, and changes with it', async () => {
        const key = `${prefix}k`;
        await put(key, 'one');
        const first = (await storage.headObject(key))!.etag;
        expect((await storage.headObject(key))!.etag).toBe(first);
        await put(key, 'two!');
        const second = await storage.headObject(key);
        expect(second).toMatchObject({ size: 4 });
        expect(second!.etag).not.toBe(first);
        expect((await read(key)).toString()).toBe('two!');
      });

      it('reports a missing object: head answers null, read rejects with ObjectNotFoundError', async () => {
        await put(`${prefix}dir/file`, 'x');
        for (const key of [`${prefix}none`, `${prefix}dir`, `${prefix}dir/file/deeper`]) {
          expect(await storage.headObject(key)).toBeNull();
          await expect(storage.readObject(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
        }
        expect(await keysUnder(`${prefix}nothing-here/`)).toEqual([]);
      });

      it('lists every object under a prefix in key order, across pages', async () => {
        const names = ['b0', 'a/c', 'c/d/e', 'ab', 'b', 'a/b', 'a1'];
        for (const n of names) await put(`${prefix}${n}`, n);
        await put(`contract/${cases}x/outside`, 'not under the prefix');
        expect(await keysUnder(prefix)).toEqual(['a/b', 'a/c', 'a1', 'ab', 'b', 'b0', 'c/d/e'].map((n) => `${prefix}${n}`));
        // A prefix need not end at a folder boundary.
        expect(await keysUnder(`${prefix}a`)).toEqual(['a/b', 'a/c', 'a1', 'ab'].map((n) => `${prefix}${n}`));
        expect(await keysUnder(`${prefix}a/`)).toEqual([`${prefix}a/b`, `${prefix}a/c`]);
        expect((await all(storage.listObjects(`${prefix}c/`))).map((o) => o.size)).toEqual([5]);
      });

      itWith('byteKeyOrder')('orders keys byte by byte, so "a-b" and "a.txt" come before "a/b", as S3 does', async () => {
        for (const n of ['a/b', 'a.txt', 'ab', 'a-b']) await put(`${prefix}${n}`, n);
        expect(await keysUnder(prefix)).toEqual(['a-b', 'a.txt', 'a/b', 'ab'].map((n) => `${prefix}${n}`));
      });

      it('reads a byte range without the rest, short at the end and empty past it; rejects a missing object', async () => {
        const key = `${prefix}range`;
        const body = randomFile(10_000);
        await put(key, body);
        expect(await storage.readRange(key, 0, 8)).toEqual(body.subarray(0, 8));
        expect(await storage.readRange(key, 4_000, 1_000)).toEqual(body.subarray(4_000, 5_000));
        expect(await storage.readRange(key, 9_990, 100)).toEqual(body.subarray(9_990));
        expect((await storage.readRange(key, 20_000, 10)).length).toBe(0);
        await expect(storage.readRange(`${prefix}none`, 0, 10)).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('deletes an object; deleting a missing one is no error', async () => {
        await put(`${prefix}gone`, 'x');
        await put(`${prefix}kept`, 'y');
        await storage.deleteObject(`${prefix}gone`);
        await storage.deleteObject(`${prefix}never`);
        expect(await storage.headObject(`${prefix}gone`)).toBeNull();
        expect(await keysUnder(prefix)).toEqual([`${prefix}kept`]);
      });

      it('copies an object byte for byte to another key, replacing what was there; the source stays; a missing source is ObjectNotFoundError', async () => {
        const from = `${prefix}sessions/20260206_143052_H1/recording.mp4`;
        const to = `${prefix}datasets/lab/v1/videos/observation.images.ego/chunk-000/file-000.mp4`;
        const body = randomFile(300_000);
        await put(from, body);
        await put(to, 'an older object at the target');
        const copied = await storage.copyObject(from, to);
        expect(copied.size).toBe(body.length);
        expect(copied.etag).toMatch(/^".+"$/);
        expect(sha256(await read(to))).toBe(sha256(body));
        expect(sha256(await read(from))).toBe(sha256(body));
        expect((await storage.headObject(to))!.size).toBe(body.length);
        await expect(storage.copyObject(`${prefix}none`, `${prefix}other`)).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect(await storage.headObject(`${prefix}other`)).toBeNull();
      });

      it('never shows a partial object while a put is under way', async () => {
        const fresh = `${prefix}fresh`;
        const replaced = `${prefix}replaced`;
        await put(replaced, 'old');
        const bodies = [new PassThrough(), new PassThrough()];
        const puts = [fresh, replaced].map((key, i) => storage.putObjectStream(key, bodies[i]!, 'application/octet-stream'));
        for (const body of bodies) body.write(Buffer.alloc(4096, 1));
        await new Promise((resolve) => setTimeout(resolve, 100));

        expect(await storage.headObject(fresh)).toBeNull();
        await expect(storage.readObject(fresh)).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect(await keysUnder(prefix)).toEqual([replaced]);
        expect((await read(replaced)).toString()).toBe('old');

        for (const body of bodies) body.end(Buffer.alloc(4096, 2));
        await Promise.all(puts);
        for (const key of [fresh, replaced]) expect((await storage.headObject(key))!.size).toBe(8192);
      });
    });

    describe('multipart uploads', () => {
      const PART = 5 * MiB;

      /** PUTs a part where its presigned URL points and answers the ETag, as a headset would. */
      async function putPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
        const url = await storage.multipart.presignPartUrl(key, uploadId, partNumber, 600);
        if (!url.startsWith('/')) {
          const res = await fetch(url, { method: 'PUT', body });
          expect(res.status).toBe(200);
          return res.headers.get('etag')!;
        }
        // A URL on this server: check it and write the part as its route does (test/uploads covers the route over HTTP).
        const receiver = storage.localParts;
        expect(receiver).toBeDefined();
        const q = new URL(url, 'http://server').searchParams;
        const grant = { uploadId, key: q.get('key')!, partNumber, expires: Number(q.get('expires')) };
        expect(receiver!.signer.check(grant, q.get('signature')!)).toEqual({ ok: true });
        return (await receiver!.writePart(key, uploadId, partNumber, Readable.from([body]))).etag;
      }

      const create = (key: string) => storage.multipart.createMultipartUpload(key, { contentType: 'video/mp4', partSize: PART });

      it('assembles the parts on complete, whatever order they arrived in, and shows nothing before', async () => {
        const key = `${prefix}sessions/20260206_143052/recording.mp4`;
        const file = randomFile(2 * PART + 1234);
        const uploadId = await create(key);
        const parts: Array<{ partNumber: number; etag: string }> = [];
        for (const partNumber of [3, 1, 2]) {
          const etag = await putPart(key, uploadId, partNumber, slice(file, PART, partNumber));
          // A part's ETag is the quoted MD5 of its bytes, on S3 and here alike.
          expect(etag).toBe(md5Etag(slice(file, PART, partNumber)));
          parts[partNumber - 1] = { partNumber, etag };
        }
        expect(await storage.headObject(key)).toBeNull();
        expect(await keysUnder(prefix)).toEqual([]);

        const { etag } = await storage.multipart.completeMultipartUpload(key, uploadId, parts);
        // S3's form is the MD5 of the part digests with the part count; s3rver answers the whole object's MD5.
        const digests = Buffer.concat(parts.map((p) => Buffer.from(p.etag.slice(1, -1), 'hex')));
        expect([`"${md5(digests)}-3"`, md5Etag(file)]).toContain(etag);
        expect(await storage.headObject(key)).toMatchObject({ key, size: file.length });
        expect(sha256(await read(key))).toBe(sha256(file));
      });

      itWith('listParts')('lists the parts stored so far in part order, the last PUT of a part winning', async () => {
        const key = `${prefix}sessions/20260206_143052/recording.mp4`;
        const uploadId = await create(key);
        await putPart(key, uploadId, 2, Buffer.from('bbb'));
        await putPart(key, uploadId, 1, Buffer.from('aaa'));
        await putPart(key, uploadId, 1, Buffer.from('cccc'));
        expect(await storage.multipart.listParts(key, uploadId)).toEqual([
          { partNumber: 1, etag: md5Etag(Buffer.from('cccc')), size: 4 },
          { partNumber: 2, etag: md5Etag(Buffer.from('bbb')), size: 3 },
        ]);
        await storage.multipart.abortMultipartUpload(key, uploadId);
      });

      itWith('completeChecks')('refuses a complete with parts it does not hold, and an upload it does not know', async () => {
        const key = `${prefix}sessions/20260206_143052/recording.mp4`;
        const file = randomFile(PART + 10);
        const uploadId = await create(key);
        const parts = [
          { partNumber: 1, etag: await putPart(key, uploadId, 1, slice(file, PART, 1)) },
          { partNumber: 2, etag: await putPart(key, uploadId, 2, slice(file, PART, 2)) },
        ];
        const wrong = [parts[0]!, { partNumber: 2, etag: parts[0]!.etag }];
        await expect(storage.multipart.completeMultipartUpload(key, uploadId, wrong)).rejects.toBeInstanceOf(InvalidPartError);
        expect(await storage.headObject(key)).toBeNull();
        // A refused complete leaves the upload as it was.
        await storage.multipart.completeMultipartUpload(key, uploadId, parts);
        expect(sha256(await read(key))).toBe(sha256(file));
        await expect(storage.multipart.completeMultipartUpload(key, uploadId, parts)).rejects.toBeInstanceOf(UploadNotFoundError);
      });

      itWith('abortMultipartUpload')('aborts an upload and its parts; aborting again or an unknown upload is not an error', async () => {
        const key = `${prefix}sessions/20260206_143052/recording.mp4`;
        const uploadId = await create(key);
        const part = { partNumber: 1, etag: await putPart(key, uploadId, 1, Buffer.from('part')) };
        await storage.multipart.abortMultipartUpload(key, uploadId);
        await expect(storage.multipart.completeMultipartUpload(key, uploadId, [part])).rejects.toBeInstanceOf(UploadNotFoundError);
        if (has('listParts')) await expect(storage.multipart.listParts(key, uploadId)).rejects.toBeInstanceOf(UploadNotFoundError);
        await storage.multipart.abortMultipartUpload(key, uploadId);
        await storage.multipart.abortMultipartUpload(key, '0'.repeat(32));
        expect(await storage.headObject(key)).toBeNull();
      });

      itWith('listMultipartUploads', 'abortMultipartUpload')('lists uploads in progress until they are completed or aborted', async () => {
        const video = `${prefix}sessions/20260206_143052/recording.mp4`;
        const data = `${prefix}sessions/20260206_143052/session_data.npz`;
        const before = Date.now();
        const ids = { video: await create(video), data: await create(data) };
        const ours = async () => (await all(storage.multipart.listMultipartUploads())).filter((u) => u.key.startsWith(prefix));
        const listed = await ours();
        expect(listed.map((u) => [u.key, u.uploadId]).sort()).toEqual([
          [video, ids.video],
          [data, ids.data],
        ]);
        for (const u of listed) expect(Math.abs(u.initiated.getTime() - before)).toBeLessThan(60_000);

        await storage.multipart.abortMultipartUpload(video, ids.video);
        const etag = await putPart(data, ids.data, 1, Buffer.from('npz'));
        await storage.multipart.completeMultipartUpload(data, ids.data, [{ partNumber: 1, etag }]);
        expect(await ours()).toEqual([]);
        expect((await read(data)).toString()).toBe('npz');
      });
    });
  });
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
