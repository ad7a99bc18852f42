import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../metrics';
import { LOCAL_UPLOAD_PATH, PartTooLargeError, UploadNotFoundError, isSafeKey, type LocalPartReceiver } from '../storage';
import { handle } from './http';
import { partNumberSchema } from './schemas';
import { UploadError } from './upload-error';
import { parseOr400 } from '../http/validate';

const paramsSchema = z.object({
  uploadId: z.string().regex(/^[0-9a-f]{32}$/, { message: 'not an upload ID of this server' }),
  partNumber: partNumberSchema,
});

const querySchema = z.object({
  key: z.string().refine(isSafeKey, { message: 'not a valid key' }),
  expires: z.coerce.number().int().positive(),
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: 'not a signature' }),
});

/**
 * Where the local driver's presigned part URLs point: PUT the raw bytes of one
 * part, get its ETag back in the ETag header, as S3 does. The URL itself is the
 * credential (HMAC over upload, key, part and expiry), so no token is needed.
 */
export function localPartRoutes(parts: LocalPartReceiver, metrics: Metrics): Router {
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
        metrics.uploadErrors.inc({ error_type: check.reason === 'expired' ? 'expired_url' : 'bad_signature' });
        throw new UploadError(
          'forbidden',
          check.reason,
          check.reason === 'expired' ? 'part URL has expired; ask /chunked-upload/sign-parts for a new one' : 'part URL signature does not match',
        );
      }
      try {
        const part = await parts.writePart(key, uploadId, partNumber, req);
        res.setHeader('ETag', part.etag);
        res.setHeader('Access-Control-Expose-Headers', 'ETag');
        res.status(200).end();
      } catch (err) {
        if (err instanceof UploadNotFoundError) throw new UploadError('not-found', 'not_found', 'no such upload (completed, aborted or expired)');
        if (err instanceof PartTooLargeError) {
          metrics.uploadErrors.inc({ error_type: 'part_too_large' });
          throw new UploadError('too-large', 'part_too_large', err.message);
        }
        if (req.destroyed || (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE') {
          metrics.uploadErrors.inc({ error_type: 'interrupted' });
          throw new UploadError('bad-request', 'interrupted', 'the part body ended early; PUT the part again');
        }
        throw err;
      }
      return undefined;
    }),
  );
  return router;
}
