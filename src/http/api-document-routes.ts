import { Router } from 'express';
import { asyncApiDocument } from '../protocol/asyncapi';

/**
 * GET /api/asyncapi.json: the Socket.IO protocol as an AsyncAPI 3 document,
 * generated once from the event specs. Open, like the protocol it describes:
 * it holds no data and no secrets.
 */
export function apiDocumentRoutes(version: string): Router {
  const router = Router();
  const asyncApi = JSON.stringify(asyncApiDocument(version));
  router.get('/api/asyncapi.json', (_req, res) => {
    res.type('application/json').send(asyncApi);
  });
  return router;
}
