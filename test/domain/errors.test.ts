import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, ERROR_CODES, type ErrorCode } from '../../src/domain/errors';
import { errorHandler } from '../../src/http/errors';

/** Each code of the one table becomes its HTTP status in one place: the error middleware. */
describe('DomainError over HTTP', () => {
  const app = express();
  app.get('/refuse/:code', (req) => {
    throw new DomainError(req.params.code as ErrorCode, `refused as ${req.params.code}`, { details: { code: req.params.code } });
  });
  app.get('/bug', () => {
    throw new Error('a bug with a secret in its message');
  });
  app.use(errorHandler);
  let server: ReturnType<typeof app.listen>;
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers every code with its status, its message and its details', async () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const res = await fetch(`${base}/refuse/${code}`);
      expect(res.status, code).toBe(status);
      const body = (await res.json()) as Record<string, unknown>;
      if (code === 'internal') expect(body, code).toEqual({ ok: false, code, error: 'internal error' });
      else expect(body, code).toEqual({ ok: false, code, error: `refused as ${code}`, details: { code } });
    }
  });

  it('answers anything that is not a DomainError as an internal error, without its message', async () => {
    const res = await fetch(`${base}/bug`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ ok: false, code: 'internal', error: 'internal error' });
  });

  it('gives every code a client or server error status', () => {
    for (const { status } of Object.values(ERROR_CODES)) expect(status >= 400 && status < 600).toBe(true);
  });
});
