import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';

const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (env = {}) => {
  const s = await startServer({ env });
  servers.push(s);
  return s;
};

const send = (server: CaptureServer, method: string, path: string, apiKey: string) =>
  fetch(`${server.url()}${path}`, {
    method,
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : '{}',
  }).then((res) => res.status);

// Every route that accepts x-api-key, one after another: a guesser cannot move on to the next.
const ROUTES: Array<[string, string]> = [
  ['GET', '/api/devices'],
  ['GET', '/api/sessions'],
  ['GET', '/api/fleet/summary'],
  ['GET', '/api/qa-metrics'],
  ['GET', '/api/s3-stats'],
  ['POST', '/chunked-upload/start'],
  ['POST', '/upload-session'],
  ['POST', '/auth/device-token'],
];

describe('wrong admin keys are limited on every route that accepts x-api-key (issue 17, 11)', () => {
  it('answers 429 after the limit on /api/devices, then on every other route, the right key included', async () => {
    const server = await start({ TOKEN_REQUESTS_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await send(server, 'GET', '/api/devices', `guess-${i}`));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    for (const [method, path] of ROUTES) {
      expect([path, await send(server, method, path, server.config.auth.adminApiKey)]).toEqual([path, 429]);
    }
  });

  it('is one budget: wrong keys spread over routes add up', async () => {
    const server = await start({ TOKEN_REQUESTS_PER_MINUTE: '4' });
    const statuses: number[] = [];
    for (const [method, path] of ROUTES.slice(0, 6)) statuses.push(await send(server, method, path, 'not-the-key'));
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('counts only wrong keys: right-key refusals (400, 404) and device tokens do not use it up', async () => {
    const server = await start({ TOKEN_REQUESTS_PER_MINUTE: '2' });
    const key = server.config.auth.adminApiKey;
    for (let i = 0; i < 5; i++) {
      expect(await send(server, 'POST', '/auth/device-token', key)).toBe(400);
      expect(await send(server, 'GET', '/api/sessions/nope', key)).toBe(404);
      const bearer = await fetch(`${server.url()}/api/devices`, { headers: { authorization: 'Bearer nonsense' } });
      expect(bearer.status).toBe(401);
    }
    expect(await send(server, 'GET', '/api/devices', key)).toBe(200);
  });
});
