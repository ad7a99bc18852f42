import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { serverFactory, useTestRedis } from '../helpers/test-server';

/**
 * The OpenAPI document as its own tools read it: Redocly's recommended rules find no error and no
 * warning (every tag described, a license, every route's 4XX answers, schemas whose required
 * fields exist). The AsyncAPI document's parser check is in asyncapi.test.ts.
 */
describe('GET /api/openapi.json under Redocly lint', () => {
  const start = serverFactory('memory', useTestRedis());

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const server = await start();
    const source = await (await fetch(`${server.url()}/api/openapi.json`)).text();
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`)).toEqual([]);
  });
});
