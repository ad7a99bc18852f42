import http from 'node:http';
import type { Express } from 'express';

/**
 * One HTTP request exactly as given: node:http sends the path untouched,
 * where fetch would resolve `..` and `%2e%2e` segments before sending.
 */
export function rawRequest(
  baseUrl: string,
  request: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent: false, host: hostname, port, method: request.method, path: request.path, headers: request.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    // The server may refuse a large body (413) and close while it is still being sent; the
    // client then sees a reset, sometimes before the answer. Status 0 reports that.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') setTimeout(() => resolve({ status: 0, text: '', headers: {} }), 200);
      else reject(err);
    });
    // A request the server never answers is a finding (a hung handler), not a slow test.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s to ${request.method} ${request.path.slice(0, 200)}`)));
    req.end(request.body);
  });
}

export interface Endpoint {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every route the app serves, read from Express itself so an endpoint added
 * later is fuzzed without editing the test. Routers are mounted at the root.
 */
export function endpointsOf(app: Express): Endpoint[] {
  const found: Endpoint[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: layer.route.path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}
