import { compileErrors, validate } from '@readme/openapi-parser';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/errors';
import { serverFactory, useTestRedis } from '../helpers/test-server';

interface Layer {
  rawPath?: string;
  slash?: boolean;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` the Express app registers, found by walking its router stack (mounted routers included). */
function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          // Express adds HEAD to every GET; it is not a route of its own.
          if (on && method !== '_all' && method !== 'head') found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, layer.slash ? prefix : `${prefix}${layer.rawPath ?? ''}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found.map((route) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}')).sort();
}

type Operation = { security: unknown[]; responses: Record<string, { 'x-error-codes'?: string[] }> };
type OpenApi = { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>> };

const documentedRoutes = (doc: OpenApi) =>
  Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

describe('GET /api/openapi.json', () => {
  const start = serverFactory('memory', useTestRedis());

  it('serves an OpenAPI 3.1 document that the OpenAPI parser validates without errors', async () => {
    const server = await start();
    const res = await fetch(`${server.url()}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(server.config.version);
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
  });

  it('documents every route the Express app registers, and no route it does not', async () => {
    const server = await start();
    const doc = (await (await fetch(`${server.url()}/api/openapi.json`)).json()) as OpenApi;
    const registered = registeredRoutes(server.app);
    const documented = documentedRoutes(doc);
    expect(registered.length).toBeGreaterThan(10);
    const missing = registered.filter((r) => !documented.includes(r));
    const stale = documented.filter((r) => !registered.includes(r));
    expect(
      missing,
      `routes without a RouteDoc (add one next to the route, listed in src/http/route-docs.ts):\n${missing.join('\n')}`,
    ).toEqual([]);
    expect(stale, `RouteDocs of routes the app does not register:\n${stale.join('\n')}`).toEqual([]);
  });

  it('states each route’s credential and refusals with the statuses of their error codes', async () => {
    const server = await start();
    const doc = (await (await fetch(`${server.url()}/api/openapi.json`)).json()) as OpenApi;
    expect(doc.paths['/api/sessions']!.get!.security).toEqual([{ adminKey: [] }, { bearerToken: [] }]);
    expect(doc.paths['/auth/device-token']!.post!.security).toEqual([{ adminKey: [] }]);
    expect(doc.paths['/test']!.get!.security).toEqual([]);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, answer] of Object.entries(op.responses)) {
          for (const code of answer['x-error-codes'] ?? []) {
            expect(ERROR_CODES[code as keyof typeof ERROR_CODES]?.status, `${method} ${path} ${code}`).toBe(Number(status));
          }
        }
      }
    }
    const start400 = doc.paths['/chunked-upload/complete']!.post!.responses['400']!['x-error-codes'];
    expect(start400).toEqual(expect.arrayContaining(['invalid', 'invalid_parts', 'etag_mismatch', 'size_mismatch']));
  });
});
