import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectNotFoundError } from './errors';
import { assertSafeKey } from './keys';

/** S3 copies an object of up to 5 GiB in one CopyObject; larger ones part by part. */
export const S3_COPY_OBJECT_LIMIT = 5 * 1024 ** 3;
/** Parts of a multipart copy: S3 allows 5 MiB to 5 GiB each, at most 10,000 of them. */
const COPY_PART_BYTES = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** Part copies in flight at once: S3 does the work, this only bounds the requests. */
const COPY_CONCURRENCY = 4;

export interface S3CopyOptions {
  /** Objects above this go through UploadPartCopy (tests lower it). */
  singleCopyLimit?: number;
  partBytes?: number;
}

/**
 * A server-side copy inside one bucket: the bytes never leave S3. Up to
 * `singleCopyLimit` one CopyObject, atomic by nature; above it a multipart
 * upload of UploadPartCopy ranges, aborted on any failure, so the copy
 * appears whole (on complete) or not at all.
 */
export async function s3CopyObject(
  client: S3Client,
  bucket: string,
  fromKey: string,
  toKey: string,
  options: S3CopyOptions = {},
): Promise<{ etag: string; size: number }> {
  const source = `${bucket}/${assertSafeKey(fromKey)
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/')}`;
  const Key = assertSafeKey(toKey);
  let size: number;
  try {
    size = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: fromKey }))).ContentLength ?? 0;
  } catch (err) {
    if (isNotFound(err)) throw new ObjectNotFoundError(fromKey);
    throw err;
  }
  if (size <= (options.singleCopyLimit ?? S3_COPY_OBJECT_LIMIT)) {
    try {
      const out = await client.send(new CopyObjectCommand({ Bucket: bucket, Key, CopySource: source }));
      return { etag: out.CopyObjectResult?.ETag ?? '', size };
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(fromKey);
      throw err;
    }
  }
  const partBytes = Math.max(options.partBytes ?? COPY_PART_BYTES, Math.ceil(size / MAX_PARTS));
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
  if (!UploadId) throw new Error('S3 answered CreateMultipartUpload without an UploadId');
  try {
    const count = Math.ceil(size / partBytes);
    const parts = new Array<{ PartNumber: number; ETag: string }>(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const start = index * partBytes;
        const end = Math.min(size, start + partBytes) - 1;
        const out = await client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key,
            UploadId,
            PartNumber: index + 1,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts[index] = { PartNumber: index + 1, ETag: out.CopyPartResult?.ETag ?? '' };
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, count) }, worker));
    const done = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
    );
    return { etag: done.ETag ?? '', size };
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId })).catch(() => undefined);
    if (isNotFound(err)) throw new ObjectNotFoundError(fromKey);
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
