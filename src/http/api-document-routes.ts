import { Router } from 'express';
import { asyncApiDocument } from '../protocol/asyncapi';

/**
 * GET /api/asyncapi.json: the Socket.IO protocol as an AsyncAPI 3 document,
 * generated from the event specs on first request. Open, like the protocol it describes:
 * it holds no data and no secrets.
 */
export function apiDocumentRoutes(version: string): Router {
  const router = Router();
  // Built on first request, not at start: about 70 schema conversions for a rarely read document.
  let asyncApi: string | undefined;
  router.get('/api/asyncapi.json', (_req, res) => {
    asyncApi ??= JSON.stringify(asyncApiDocument(version));
    res.type('application/json').send(asyncApi);
  });
  return router;
}
