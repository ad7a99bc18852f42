import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, S3Storage } from '../../src/storage';

/**
 * The S3 driver's copy of objects over the single-copy limit (5 GiB on S3):
 * s3rver has no UploadPartCopy, so the calls are checked against
 * aws-sdk-client-mock answering as S3 documents. Small copies run on s3rver in
 * the storage contract.
 */
const storage = (limit: number, partBytes: number) =>
  new S3Storage(
    { bucket: 'b', region: 'us-east-1', forcePathStyle: false, credentials: { accessKeyId: 'k', secretAccessKey: 's' } },
    { copy: { singleCopyLimit: limit, partBytes } },
  );

describe('S3 driver: server-side copy', () => {
  let closing: S3Storage | undefined;
  afterEach(async () => closing?.close());

  it('copies a large object part by part with UploadPartCopy ranges that cover it exactly, then completes', async () => {
    closing = storage(100, 40);
    const mock = mockClient(closing.client);
    mock.on(HeadObjectCommand).resolves({ ContentLength: 130 });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"p${input.PartNumber}"` } }));
    mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"whole-4"' });

    const out = await closing.copyObject('sessions/20260206_143052_H1/recording.mp4', 'datasets/lab/v1/videos/a.mp4');
    expect(out).toEqual({ etag: '"whole-4"', size: 130 });
    expect(mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
    const ranges = mock
      .commandCalls(UploadPartCopyCommand)
      .map((c) => [c.args[0].input.PartNumber, c.args[0].input.CopySourceRange, c.args[0].input.CopySource]);
    expect(ranges.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [1, 'bytes=0-39', 'b/sessions/20260206_143052_H1/recording.mp4'],
      [2, 'bytes=40-79', 'b/sessions/20260206_143052_H1/recording.mp4'],
      [3, 'bytes=80-119', 'b/sessions/20260206_143052_H1/recording.mp4'],
      [4, 'bytes=120-129', 'b/sessions/20260206_143052_H1/recording.mp4'],
    ]);
    const complete = mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete).toMatchObject({ Key: 'datasets/lab/v1/videos/a.mp4', UploadId: 'u1' });
    expect(complete.MultipartUpload!.Parts).toEqual([1, 2, 3, 4].map((n) => ({ PartNumber: n, ETag: `"p${n}"` })));
  });

  it('aborts the multipart copy when a part fails, so no partial object appears', async () => {
    closing = storage(100, 40);
    const mock = mockClient(closing.client);
    mock.on(HeadObjectCommand).resolves({ ContentLength: 130 });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u2' });
    mock.on(UploadPartCopyCommand).rejects(new Error('InternalError'));
    mock.on(AbortMultipartUploadCommand).resolves({});
    await expect(closing.copyObject('sessions/x/recording.mp4', 'datasets/lab/v1/a.mp4')).rejects.toThrow('InternalError');
    expect(mock.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toMatchObject({ UploadId: 'u2' });
    expect(mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('copies a small object in one CopyObject, and reports a missing source as ObjectNotFoundError', async () => {
    closing = storage(100, 40);
    const mock = mockClient(closing.client);
    mock.on(HeadObjectCommand, { Key: 'sessions/a/recording.mp4' }).resolves({ ContentLength: 99 });
    mock.on(HeadObjectCommand, { Key: 'sessions/none/recording.mp4' }).rejects({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"c"' } });
    expect(await closing.copyObject('sessions/a/recording.mp4', 'datasets/x/v1/a.mp4')).toEqual({ etag: '"c"', size: 99 });
    expect(mock.commandCalls(UploadPartCopyCommand)).toHaveLength(0);
    await expect(closing.copyObject('sessions/none/recording.mp4', 'datasets/x/v1/b.mp4')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});
