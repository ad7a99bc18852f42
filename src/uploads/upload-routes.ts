import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { RestAuthDeps } from '../http/require-auth';
import { requireAuth } from '../http/require-auth';
import { baseUrlOf, handle, uploaderOf } from './http';
import {
  abortAnswerSchema,
  completeAnswerSchema,
  completeSchema,
  partsAnswerSchema,
  signPartsAnswerSchema,
  signPartsSchema,
  startAnswerSchema,
  startSchema,
  uploadRefSchema,
} from './schemas';
import type { Uploader, UploadService } from './upload-service';
import { parseOr400 } from '../http/validate';
import type { RouteDoc } from '../http/route-doc';
import type { ErrorCode } from '../domain/errors';

export interface ChunkedRouteOptions {
  auth: RestAuthDeps;
  service: UploadService;
  maxUploadBytes: number;
  publicBaseUrl?: string;
}

/** A complete of 10,000 parts is about 600 kB of JSON; nothing here needs more. */
const UPLOAD_JSON_LIMIT = '1mb';

const storageErrors: ErrorCode[] = ['store_unavailable', 'storage_unavailable', 'storage_full'];

/** The chunked-upload endpoints' documentation (docs/UPLOADS.md tells the flow). */
export function chunkedUploadRouteDocs(maxUploadBytes: number): RouteDoc[] {
  const headset = ['headset'] as const;
  const doc = (path: string, summary: string, rest: Partial<RouteDoc> & Pick<RouteDoc, 'answer'>): RouteDoc => ({
    method: 'post',
    path: `/chunked-upload/${path}`,
    tag: 'uploads',
    summary,
    auth: headset,
    ...rest,
  });
  return [
    doc('start', 'Start a chunked upload: the plan of parts and the first part URLs', {
      description: "PUT each part to its URL (S3 or this server), keep each answer's ETag header, then complete.",
      body: { json: startSchema(maxUploadBytes) },
      answer: startAnswerSchema,
      errors: ['key_conflict', 'quota_exceeded', ...storageErrors],
    }),
    doc('sign-parts', 'Sign URLs for more parts (or again, once expired)', {
      body: { json: signPartsSchema },
      answer: signPartsAnswerSchema,
      errors: ['not_found', 'conflict', ...storageErrors],
    }),
    doc('parts', 'The parts storage holds: resume an upload by sending the others', {
      method: 'get',
      query: uploadRefSchema,
      answer: partsAnswerSchema,
      errors: ['not_found', ...storageErrors],
    }),
    doc('complete', 'Assemble the parts into the recording', {
      body: { json: completeSchema },
      answer: completeAnswerSchema,
      errors: ['invalid_parts', 'etag_mismatch', 'size_mismatch', 'not_found', 'key_conflict', ...storageErrors],
    }),
    doc('abort', 'Abandon an upload and its parts', {
      body: { json: uploadRefSchema },
      answer: abortAnswerSchema,
      errors: ['not_found', 'conflict', ...storageErrors],
    }),
  ];
}

/** The chunked-upload endpoints: validate, call the service, answer. */
export function chunkedUploadRoutes({ auth, service, maxUploadBytes, publicBaseUrl }: ChunkedRouteOptions): Router {
  const router = Router();
  const json = express.json({ limit: UPLOAD_JSON_LIMIT });
  const headsets = requireAuth(auth, ['headset']);

  /** One endpoint: headset or admin only, input (body, or query for GET) parsed with `schema`, then `run`. */
  function endpoint<S extends z.ZodType>(
    schema: S,
    what: string,
    run: (input: z.output<S>, uploader: Uploader, req: Request) => Promise<unknown>,
  ): RequestHandler[] {
    return [
      headsets,
      json,
      handle((req: Request, res: Response) =>
        run(parseOr400(schema, req.method === 'GET' ? req.query : req.body, what), uploaderOf(res), req),
      ),
    ];
  }

  router.post(
    '/chunked-upload/start',
    endpoint(startSchema(maxUploadBytes), 'start request', (input, uploader, req) =>
      service.start(input, uploader, baseUrlOf(req, publicBaseUrl)),
    ),
  );
  router.post(
    '/chunked-upload/sign-parts',
    endpoint(signPartsSchema, 'sign-parts request', (input, uploader, req) =>
      service.signParts(input, uploader, baseUrlOf(req, publicBaseUrl)),
    ),
  );
  router.get(
    '/chunked-upload/parts',
    endpoint(uploadRefSchema, 'query', (input, uploader) => service.listParts(input, uploader)),
  );
  router.post(
    '/chunked-upload/complete',
    endpoint(completeSchema, 'complete request', (input, uploader) => service.complete(input, uploader)),
  );
  router.post(
    '/chunked-upload/abort',
    endpoint(uploadRefSchema, 'abort request', (input, uploader) => service.abort(input, uploader)),
  );
  return router;
}
