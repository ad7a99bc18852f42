import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { orUnavailable } from '../storage';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import type { StorageStatsService } from './stats-service';
import type { RouteDoc } from '../http/route-doc';
import { s3StatsSchema } from './s3-stats';

const querySchema = z
  .object({
    /** refresh=true skips the cache (the answer is cached again for the next caller). */
    refresh: z.enum(['true', 'false']).optional(),
  })
  .strict();

const statsAnswerSchema = s3StatsSchema.extend({ ok: z.literal(true) });

export const storageStatsRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/s3-stats',
    tag: 'storage',
    summary: "What the recordings storage holds, and what it costs (the spec's S3Stats)",
    description: 'Cached for S3_STATS_CACHE_SECONDS; refresh=true lists the storage again.',
    auth: ['dashboard', 'tablet'],
    query: querySchema,
    answer: statsAnswerSchema,
    errors: ['storage_unavailable'],
  },
];

/** GET /api/s3-stats: the spec's S3Stats, for dashboards and tablets (or the admin key). */
export function storageStatsRoutes(auth: RestAuthDeps, stats: StorageStatsService): Router {
  const router = Router();
  router.get('/api/s3-stats', requireAuth(auth, ['dashboard', 'tablet']), async (req, res) => {
    const query = querySchema.safeParse(req.query);
    if (!query.success)
      throw new DomainError('invalid', 'invalid query: only refresh=true|false is accepted', {
        details: z.flattenError(query.error).fieldErrors,
      });
    const answer = await orUnavailable('recordings storage', () => stats.get(query.data.refresh === 'true'));
    res.json({ ok: true, ...answer } satisfies z.input<typeof statsAnswerSchema>);
  });
  return router;
}
