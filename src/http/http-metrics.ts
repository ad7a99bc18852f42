import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../metrics';

/**
 * Records turing_http_request_duration_seconds. The route label is the
 * matched route pattern (never the raw URL), so label cardinality stays bounded.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpRequestDuration.startTimer();
    res.once('finish', () => {
      // Express types req.route as any: its path is a string for a matched route.
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
