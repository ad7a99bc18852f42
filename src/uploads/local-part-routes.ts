import { Router } from 'express';
import { z } from 'zod';
import { LOCAL_UPLOAD_PATH, isSafeKey, type LocalPartReceiver } from '../storage';
import { handle } from './http';
import { partNumberSchema } from './schemas';
import { DomainError, isDomainError } from '../domain/errors';
import { parseOr400 } from '../http/validate';
import { storageWriteRefusal } from '../storage';
import type { RouteDoc } from '../http/route-doc';

const paramsSchema = z.object({
  uploadId: z.string().regex(/^[0-9a-f]{32}$/, { message: 'not an upload ID of this server' }),
  partNumber: partNumberSchema,
});

const querySchema = z.object({
  key: z.string().refine(isSafeKey, { message: 'not a valid key' }),
  expires: z.coerce.number().int().positive(),
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: 'not a signature' }),
});

export const localPartRouteDocs: RouteDoc[] = [
  {
    method: 'put',
    path: `${LOCAL_UPLOAD_PATH}/:uploadId/:partNumber`,
    tag: 'uploads',
    summary: 'Upload one part (local storage driver)',
    description:
      'Where the part URLs of /chunked-upload/start point when the server stores recordings on its own disk (with S3 they point at the bucket). ' +
      'Use the URL exactly as issued.',
    auth: 'signed-url',
    params: { uploadId: paramsSchema.shape.uploadId, partNumber: paramsSchema.shape.partNumber },
    query: querySchema,
    body: { bytes: "The part's bytes: chunkSize of them, fewer for the last part. Send a Content-Length." },
    answer: { contentType: 'text/plain', description: 'Stored; the body is empty.' },
    answerHeaders: { ETag: 'The quoted MD5 of the part: pass it to /chunked-upload/complete.' },
    errors: ['not_found', 'part_too_large', 'interrupted', 'storage_unavailable', 'storage_full'],
  },
];

/**
 * Where the local driver's presigned part URLs point: PUT the raw bytes of one
 * part, get its ETag back in the ETag header, as S3 does. The URL itself is the
 * credential (HMAC over upload, key, part and expiry), so no token is needed.
 */
export function localPartRoutes(parts: LocalPartReceiver): Router {
  const router = Router();
  router.put(
    `${LOCAL_UPLOAD_PATH}/:uploadId/:partNumber`,
    handle(async (req, res) => {
      // A refusal answers before the body is read: close the connection rather than drain megabytes nobody wants.
      res.on('finish', () => {
        if (!req.complete) req.destroy();
      });
      const { uploadId, partNumber } = parseOr400(paramsSchema, req.params, 'part URL');
      const { key, expires, signature } = parseOr400(querySchema, req.query, 'part URL');
      const check = parts.signer.check({ uploadId, key, partNumber, expires }, signature);
      if (!check.ok) {
        throw new DomainError(
          check.reason === 'expired' ? 'expired_url' : 'bad_signature',
          check.reason === 'expired'
            ? 'part URL has expired; ask /chunked-upload/sign-parts for a new one'
            : 'part URL signature does not match',
        );
      }
      try {
        const part = await parts.writePart(key, uploadId, partNumber, req);
        res.setHeader('ETag', part.etag);
        res.setHeader('Access-Control-Expose-Headers', 'ETag');
        res.status(200).end();
      } catch (err) {
        // The rest of the body is not read: tell the client this connection ends with the answer, so it does not reuse it.
        if (!req.complete) res.setHeader('Connection', 'close');
        // Storage's own refusals (not_found: no such upload; part_too_large) are DomainErrors already.
        if (isDomainError(err)) throw err;
        // Before the interrupted check: a failed write destroys the request body too.
        const refusal = storageWriteRefusal(err);
        if (refusal) throw refusal;
        if (req.destroyed || (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE') {
          throw new DomainError('interrupted', 'the part body ended early; PUT the part again');
        }
        throw err;
      }
      return undefined;
    }),
  );
  return router;
}
