import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureHttp, routes } from '@capture-backend/client';
import { apiDocuments } from '../../scripts/generate-client/documents';
import { generatedFiles } from '../../scripts/generate-client/generate';

/**
 * The client package's types are generated from the server's API documents: a schema or route
 * changed without `npm run generate:client` fails here, as does a route without a client method.
 */
describe('the generated client types', () => {
  it('are what `npm run generate:client` writes from the current API documents, and every route has a client method', async () => {
    const { openApi, asyncApi } = await apiDocuments();
    const dir = path.resolve(__dirname, '../../packages/client/src/generated');
    for (const [name, text] of Object.entries(await generatedFiles(openApi, asyncApi))) {
      expect(readFileSync(path.join(dir, name), 'utf8'), `${name} is stale: run npm run generate:client`).toBe(text);
    }
    const operations = Object.values(openApi.paths as Record<string, Record<string, { operationId: string }>>).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    const http = new CaptureHttp({ baseUrl: 'http://127.0.0.1:1' });
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter((op) => typeof (http.api as unknown as Record<string, unknown>)[op] !== 'function')).toEqual([]);
    expect(Object.keys(routes).sort()).toEqual([...operations].sort());
  });
});
