import express, { Router } from 'express';
import type { RestAuthDeps } from '../http/require-auth';
import { requireAuth } from '../http/require-auth';
import { baseUrlOf, handle, uploaderOf } from './http';
import { completeSchema, signPartsSchema, startSchema, uploadRefSchema } from './schemas';
import type { UploadService } from './upload-service';
import { parseOr400 } from './validate';

export interface ChunkedRouteOptions {
  auth: RestAuthDeps;
  service: UploadService;
  maxUploadBytes: number;
  publicBaseUrl?: string;
}

/** A complete of 10,000 parts is about 600 kB of JSON; nothing here needs more. */
const UPLOAD_JSON_LIMIT = '1mb';

/** The chunked-upload endpoints: validate, call the service, answer. */
export function chunkedUploadRoutes({ auth, service, maxUploadBytes, publicBaseUrl }: ChunkedRouteOptions): Router {
  const router = Router();
  const json = express.json({ limit: UPLOAD_JSON_LIMIT });
  const headsets = requireAuth(auth, ['headset']);
  const start = startSchema(maxUploadBytes);

  router.post(
    '/chunked-upload/start',
    headsets,
    json,
    handle((req, res) =>
      service.start(parseOr400(start, req.body, 'start request'), uploaderOf(res), baseUrlOf(req, publicBaseUrl)),
    ),
  );
  router.post(
    '/chunked-upload/sign-parts',
    headsets,
    json,
    handle((req, res) =>
      service.signParts(parseOr400(signPartsSchema, req.body, 'sign-parts request'), uploaderOf(res), baseUrlOf(req, publicBaseUrl)),
    ),
  );
  router.get(
    '/chunked-upload/parts',
    headsets,
    handle((req, res) => service.listParts(parseOr400(uploadRefSchema, req.query, 'query'), uploaderOf(res))),
  );
  router.post(
    '/chunked-upload/complete',
    headsets,
    json,
    handle((req, res) => service.complete(parseOr400(completeSchema, req.body, 'complete request'), uploaderOf(res))),
  );
  router.post(
    '/chunked-upload/abort',
    headsets,
    json,
    handle((req, res) => service.abort(parseOr400(uploadRefSchema, req.body, 'abort request'), uploaderOf(res))),
  );
  return router;
}
