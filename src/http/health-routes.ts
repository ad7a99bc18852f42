import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import type { Store } from '../state';
import type { ObjectStorage } from '../storage';
import { secretsEqual } from '../auth';
import { storageFix } from '../storage/start-check';
import { z } from 'zod';
import type { RouteDoc } from './route-doc';
import { errorBody } from './errors';
import { markFailedAdminKey, wrongSecretLimiter } from './admin-key-limiter';

const liveAnswerSchema = z.object({ ok: z.literal(true), message: z.string(), timestamp: z.string() });
const dependency = { reachable: z.boolean(), error: z.string().optional() };
const healthAnswerSchema = z.object({
  /** True only when status is ok. */
  ok: z.boolean(),
  status: z.enum(['ok', 'degraded', 'down']),
  version: z.string(),
  uptimeSeconds: z.number().int(),
  store: z.object({ kind: z.enum(['memory', 'redis']), ...dependency }),
  storage: z.object({
    kind: z.enum(['local', 's3']),
    ...dependency,
    freeBytes: z.number().optional(),
    /** What an operator must do, when storage is unreachable. */
    fix: z.string().optional(),
  }),
});

export const healthRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/test', tag: 'health', summary: "Liveness (the spec's check)", auth: 'open', answer: liveAnswerSchema },
  {
    method: 'get',
    path: '/health',
    tag: 'health',
    summary: 'Readiness, with the store and storage probed',
    description: 'Storage unreachable: 200 with status degraded (the live side still works). Store unreachable: 503 with status down.',
    auth: 'open',
    answer: healthAnswerSchema,
    otherAnswers: { 503: { description: 'The state store is unreachable (status down).', schema: healthAnswerSchema } },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'health',
    summary: 'Prometheus metrics',
    auth: 'metrics',
    answer: { contentType: 'text/plain', description: 'The Prometheus text exposition format.' },
  },
];

export interface HealthDeps {
  config: Config;
  store: Store;
  storage: ObjectStorage;
  metrics: Metrics;
  startedAt: number;
  logger: Logger;
}

const PROBE_TIMEOUT_MS = 2_000;

async function probe(check: () => Promise<void>): Promise<{ reachable: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { reachable: true };
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** A storage error names the failing path or bucket; /health says DATA_DIR or "the bucket" instead. */
function withoutLocation(health: { reachable: boolean; error?: string }, location: string) {
  if (!health.error || !location) return health;
  return { ...health, error: health.error.split(location).join('<storage location>') };
}

/** /test (the spec's liveness check), /health (readiness with dependencies), /metrics. */
export function healthRoutes({ config, store, storage, metrics, startedAt, logger }: HealthDeps): Router {
  const router = Router();
  if (config.env === 'production' && !config.auth.metricsToken) {
    // Said once at start, where an operator reads it: /metrics lists device IDs and fleet activity.
    logger.warn(
      'METRICS_TOKEN is not set: GET /metrics is OPEN to anyone who can reach this server and lists device IDs. ' +
        'Set METRICS_TOKEN (Prometheus: authorization.credentials_file) or block /metrics at the proxy.',
    );
  }

  router.get('/test', (_req, res) => {
    res.json({ ok: true, message: 'Capture backend is running', timestamp: new Date().toISOString() } satisfies z.input<
      typeof liveAnswerSchema
    >);
  });

  router.get('/health', async (_req, res) => {
    const [storeHealth, storageHealth, freeBytes] = await Promise.all([
      probe(() => store.ping()),
      probe(() => storage.ping()).then((health) => withoutLocation(health, storage.location)),
      // Reachable is not enough: a full disk answers every write with ENOSPC (507).
      storage.freeBytes?.().catch(() => undefined),
    ]);
    // Without the store nothing works (503); without storage the live side still does, so the
    // process stays in rotation (200) but says it is degraded, and why, instead of ok: true.
    const status = !storeHealth.reachable ? 'down' : !storageHealth.reachable ? 'degraded' : 'ok';
    res.status(storeHealth.reachable ? 200 : 503).json({
      ok: status === 'ok',
      status,
      version: config.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      store: { kind: store.kind, ...storeHealth },
      // No location: for local storage it is the absolute DATA_DIR, which is nobody's business outside.
      storage: {
        kind: storage.kind,
        ...storageHealth,
        ...(freeBytes === undefined ? {} : { freeBytes }),
        ...(storageHealth.reachable ? {} : { fix: storageFix(storage, { withLocation: false }) }),
      },
    } satisfies z.input<typeof healthAnswerSchema>);
  });

  // Wrong METRICS_TOKENs per client address: TOKEN_REQUESTS_PER_MINUTE, then 429 (the right token too) for the minute.
  const wrongTokens = config.auth.metricsToken
    ? wrongSecretLimiter(config.auth.tokenRequestsPerMinute, 'too many wrong metrics tokens from this address; try again in a minute')
    : undefined;
  const metricsHandler: RequestHandler = async (req, res) => {
    const token = config.auth.metricsToken;
    if (token) {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!secretsEqual(given, token)) {
        markFailedAdminKey(res);
        res.status(401).json(errorBody('unauthenticated', 'metrics require the METRICS_TOKEN bearer token'));
        return;
      }
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
  if (wrongTokens) router.get('/metrics', wrongTokens, metricsHandler);
  else router.get('/metrics', metricsHandler);

  return router;
}
