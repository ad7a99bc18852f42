import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { orUnavailable } from '../http/errors';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import type { StorageStatsService } from './stats-service';

const querySchema = z
  .object({
    /** refresh=true skips the cache (the answer is cached again for the next caller). */
    refresh: z.enum(['true', 'false']).optional(),
  })
  .strict();

/** GET /api/s3-stats: the spec's S3Stats, for dashboards and tablets (or the admin key). */
export function storageStatsRoutes(auth: RestAuthDeps, stats: StorageStatsService): Router {
  const router = Router();
  router.get('/api/s3-stats', requireAuth(auth, ['dashboard', 'tablet']), async (req, res) => {
    const query = querySchema.safeParse(req.query);
    if (!query.success)
      throw new DomainError('invalid', 'invalid query: only refresh=true|false is accepted', {
        details: z.flattenError(query.error).fieldErrors,
      });
    res.json({ ok: true, ...(await orUnavailable('recordings storage', () => stats.get(query.data.refresh === 'true'))) });
  });
  return router;
}
