import jwt from 'jsonwebtoken';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { CaptureHttp, HttpCallError, UploadError, connectionRefusalCode, uploadFile } from '@capture-backend/client';
import { ERROR_CODES } from '../../src/domain/errors';
import { errorBodySchema } from '../../src/http/errors';
import { connectClient, identifiedHeadset, tabletClient, tokenFor } from '../helpers/clients';
import { serverFactory, useTestRedis } from '../helpers/test-server';

/**
 * Round 3: every refusal a client receives carries its code beside the message,
 * `{ ok: false, code, error }`, REST and socket alike, so clients branch on the code.
 */

/** A REST answer, whatever its status, with its JSON body checked against the one refusal schema. */
async function refusal(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = (await res.json()) as Record<string, unknown>;
  expect(errorBodySchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
  // The status is always the code's.
  expect(res.status).toBe(ERROR_CODES[body.code as keyof typeof ERROR_CODES].status);
  return { status: res.status, body };
}

/** A refused connection's connect_error: its message and the code in its data. */
async function refusedWith(server: CaptureServer, auth: Record<string, unknown>): Promise<{ message: string; code: unknown }> {
  const socket = connect(server.url(), { transports: ['websocket'], reconnection: false, forceNew: true, auth });
  try {
    return await new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connection was accepted')));
      socket.once('connect_error', (err) => resolve({ message: err.message, code: connectionRefusalCode(err) }));
    });
  } finally {
    socket.close();
  }
}

describe('REST refusals carry their code', () => {
  const start = serverFactory('memory', useTestRedis());

  it('answers an unknown route 404 not_found', async () => {
    const server = await start();
    const { status, body } = await refusal(await fetch(`${server.url()}/no/such/route`));
    expect(status).toBe(404);
    expect(body).toEqual({ ok: false, code: 'not_found', error: 'no route for GET /no/such/route' });
  });

  it('answers 401 unauthenticated without a credential, 401 token_expired with an expired token, 403 role for another role', async () => {
    const server = await start();
    const none = await refusal(await fetch(`${server.url()}/api/devices`));
    expect(none).toMatchObject({ status: 401, body: { ok: false, code: 'unauthenticated' } });

    const expired = jwt.sign(
      { deviceId: 'D1', deviceType: 'dashboard', exp: Math.floor(Date.now() / 1000) - 60 },
      server.config.auth.jwtSecret,
      {
        algorithm: 'HS256',
      },
    );
    const late = await refusal(await fetch(`${server.url()}/api/devices`, { headers: { authorization: `Bearer ${expired}` } }));
    expect(late).toEqual({ status: 401, body: { ok: false, code: 'token_expired', error: 'token expired' } });

    const headset = tokenFor(server, 'H1', 'headset');
    const role = await refusal(await fetch(`${server.url()}/api/devices`, { headers: { authorization: `Bearer ${headset}` } }));
    expect(role).toMatchObject({ status: 403, body: { ok: false, code: 'role' } });
  });

  it('answers 400 invalid for a body that fails validation and for malformed JSON, 413 too_large, 415 unsupported_type', async () => {
    const server = await start();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url()}/auth/device-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': server.config.auth.adminApiKey, ...headers },
        body,
      });
    const invalid = await refusal(await post(JSON.stringify({ deviceId: '../etc', deviceType: 'headset' })));
    expect(invalid).toMatchObject({ status: 400, body: { ok: false, code: 'invalid', error: expect.stringMatching(/deviceId/) } });
    expect(await refusal(await post('{"unterminated'))).toEqual({
      status: 400,
      body: { ok: false, code: 'invalid', error: 'request body is not valid JSON' },
    });
    expect(await refusal(await post(JSON.stringify({ deviceId: 'x'.repeat(2 * 1024 * 1024), deviceType: 'headset' })))).toMatchObject({
      status: 413,
      body: { ok: false, code: 'too_large' },
    });
    expect(await refusal(await post('{}', { 'content-encoding': 'x-unheard-of' }))).toMatchObject({
      status: 415,
      body: { ok: false, code: 'unsupported_type' },
    });
  });

  it('answers 409 conflict, and the typed client exposes the code on HttpCallError and UploadError', async () => {
    const server = await start();
    const http = new CaptureHttp({ baseUrl: server.url(), credential: { token: tokenFor(server, 'H1', 'headset') } });
    const done = await uploadFile(http, { timestamp: '20260206_143052', fileType: 'video', size: 1000, source: new Uint8Array(1000) });
    const aborted = await http.uploads.abort({ uploadId: done.uploadId, s3Key: done.s3Key }).catch((err: unknown) => err);
    expect(aborted).toBeInstanceOf(HttpCallError);
    expect(aborted).toMatchObject({ status: 409, code: 'conflict', body: { ok: false, code: 'conflict' } });

    const missing = await http.uploads.parts({ uploadId: 'f'.repeat(32), s3Key: done.s3Key }).catch((err: unknown) => err);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });

    // An upload refused at its start: the UploadError carries the code of the refusal that ended it.
    const admin = new CaptureHttp({ baseUrl: server.url(), credential: { apiKey: 'wrong-key' } });
    const failed = await uploadFile(admin, {
      timestamp: '20260206_143052',
      fileType: 'video',
      size: 1000,
      source: new Uint8Array(1000),
    }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(UploadError);
    expect((failed as UploadError).code).toBe('unauthenticated');
  });

  it('answers the wrong-admin-key limiter 429 rate_limited', async () => {
    const server = await start({ TOKEN_REQUESTS_PER_MINUTE: '1' });
    const wrong = () => fetch(`${server.url()}/api/devices`, { headers: { 'x-api-key': 'wrong-key' } });
    expect((await refusal(await wrong())).body.code).toBe('unauthenticated');
    expect(await refusal(await wrong())).toMatchObject({ status: 429, body: { ok: false, code: 'rate_limited' } });
  });

  it('answers /metrics without its METRICS_TOKEN 401 unauthenticated', async () => {
    const server = await start({ METRICS_TOKEN: 'a-metrics-token-long-enough-0123456789' });
    expect(await refusal(await fetch(`${server.url()}/metrics`))).toMatchObject({
      status: 401,
      body: { ok: false, code: 'unauthenticated' },
    });
  });
});

describe('socket refusals carry their code', () => {
  const start = serverFactory('memory', useTestRedis());

  it('answers a refused event { ok: false, code, error } and tells the sender on-event-rejected { event, reason, code }', async () => {
    const server = await start();
    const tablet = await tabletClient(server, 'TABLET_1');
    const answer = await tablet.ask('tablet-lock-device', 'QUEST_NEVER');
    expect(answer).toEqual({ ok: false, code: 'unknown_device', error: 'device QUEST_NEVER is unknown (it has never connected)' });
    expect(await tablet.next('on-event-rejected')).toEqual([{ event: 'tablet-lock-device', reason: answer.error, code: 'unknown_device' }]);
  });

  it('gives role, payload, unknown-event and internal-style refusals their codes', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_1');
    expect(await headset.ask('tablet-lock-device', 'QUEST_1')).toMatchObject({ ok: false, code: 'role' });
    const tablet = await tabletClient(server, 'TABLET_1');
    expect(await tablet.ask('tablet-lock-devices', 'not-a-list')).toMatchObject({ ok: false, code: 'invalid' });
    expect(await tablet.ask('no-such-event' as never)).toEqual({ ok: false, code: 'unknown_event', error: 'unknown event' });
  });

  it('answers a throttled frame frame_dropped, flow control rather than an error', async () => {
    const server = await start({ FRAME_THROTTLE_MS: '10000' });
    const headset = await identifiedHeadset(server, 'QUEST_1');
    const answers = await Promise.all([1, 2, 3].map((i) => headset.ask('headset-frame', `frame-${i}`)));
    expect(answers).toContainEqual({ ok: false, code: 'frame_dropped', error: 'frame dropped (throttle)' });
    expect(answers[0]).toEqual({ ok: true });
  });

  it('refuses a connection with the code in connect_error data: unauthenticated, token_expired, rate_limited', async () => {
    const server = await start({ MAX_CONNECTIONS_PER_IP: '1' });
    expect(await refusedWith(server, {})).toEqual({ message: 'authentication failed: no token', code: 'unauthenticated' });
    expect(await refusedWith(server, { token: 'garbage' })).toEqual({
      message: 'authentication failed: invalid token',
      code: 'unauthenticated',
    });
    const expired = jwt.sign(
      { deviceId: 'H1', deviceType: 'headset', exp: Math.floor(Date.now() / 1000) - 60 },
      server.config.auth.jwtSecret,
      {
        algorithm: 'HS256',
      },
    );
    expect(await refusedWith(server, { token: expired })).toEqual({
      message: 'authentication failed: token expired',
      code: 'token_expired',
    });
    const held = await connectClient(server, { deviceId: 'T1', deviceType: 'tablet' });
    expect((await refusedWith(server, { token: tokenFor(server, 'T2', 'tablet') })).code).toBe('rate_limited');
    held.close();
  });
});
