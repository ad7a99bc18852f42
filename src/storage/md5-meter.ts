import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/**
 * A pass-through that hashes (MD5, S3's part ETag) and counts what flows
 * through it, failing the stream with `tooLarge()` once more than `limit` bytes pass.
 */
export function md5Meter(limit = Number.POSITIVE_INFINITY, tooLarge: () => Error = () => new Error('too large')) {
  const hash = createHash('md5');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(tooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return {
    stream,
    get size() {
      return size;
    },
    /** The quoted hex MD5, as S3 writes ETags; call once the stream has finished. */
    etag: () => `"${hash.digest('hex')}"`,
  };
}

/** An ETag without the quotes S3 puts around it, lower-cased: clients send either form. */
export function bareEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '').toLowerCase();
}
