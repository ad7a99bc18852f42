import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  ask,
  askUnchecked,
  CaptureHttp,
  connected,
  connectSocket,
  nextEvent,
  UploadError,
  uploadFile,
  type CaptureSocket,
} from '@capture-backend/client';
import { MiB, randomFile, sha256 } from '../uploads/upload-client';
import { serverFactory, useTestRedis } from '../helpers/test-server';
import type { CaptureServer } from '../../src/app';

/** The URL a fetch was called with, as text. */
const urlOf = (input: Parameters<typeof fetch>[0]) => (input instanceof Request ? input.url : input.toString());

/** The typed client (@capture-backend/client, packages/client) against a real server: sockets with typed acks and listeners, REST, and the chunked upload. */
describe('typed client', () => {
  const start = serverFactory('memory', useTestRedis());
  const sockets: CaptureSocket[] = [];
  const open = async (server: CaptureServer, deviceId: string, deviceType: 'headset' | 'tablet') => {
    const socket = connectSocket(server.url(), { token: server.tokens.sign(deviceId, deviceType), reconnection: false });
    sockets.push(socket);
    await connected(socket);
    return socket;
  };
  const closeSockets = () => sockets.splice(0).forEach((s) => s.close());

  it('connects with a token, asks with typed answers, hears typed events, and hears a refused token', async () => {
    const server = await start();
    try {
      const tablet = await open(server, 'T1', 'tablet');
      const listed = nextEvent(tablet, 'on-headsets-updated', { match: (ids) => ids.includes('H1') });
      const headset = await open(server, 'H1', 'headset');
      const identified = await ask(headset, 'headset-identify', 'H1');
      expect(identified).toEqual({ ok: true, deviceId: 'H1' });
      expect((await listed)[0]).toContain('H1');
      const locked = await ask(tablet, 'tablet-lock-device', 'H1');
      expect(locked).toEqual({ ok: true, deviceId: 'H1', refreshed: false });
      // The answer's type is the event's: `refreshed` is known to the compiler once ok is.
      if (locked.ok) expect(typeof locked.refreshed).toBe('boolean');
      // A refusal is an answer too, in the same shape for every event.
      expect(await askUnchecked(headset, 'tablet-lock-device', 'H1')).toMatchObject({ ok: false });
      await expect(connected(connectSocket(server.url(), { token: 'not-a-token', reconnection: false }))).rejects.toThrow();
    } finally {
      closeSockets();
    }
  });

  it('calls REST routes with their answer types, and says why a call was refused', async () => {
    const server = await start();
    const http = new CaptureHttp({ baseUrl: server.url(), credential: { apiKey: server.config.auth.adminApiKey } });
    const minted = await http.deviceToken('D1', 'dashboard');
    expect(minted.deviceType).toBe('dashboard');
    const asDashboard = http.as({ token: minted.token });
    expect((await asDashboard.fleetSummary()).summary.totalDevices).toBe(0);
    expect(await asDashboard.sessions.list({ limit: 5 }).all()).toEqual([]);
    await expect(asDashboard.deviceToken('D2', 'dashboard')).rejects.toMatchObject({ status: 403 });
    await expect(asDashboard.sessions.get('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('uploads in parallel with progress, signs parts beyond the start answer, and retries a failed part', async () => {
    const server = await start({ UPLOAD_URLS_PER_ANSWER: '1' });
    const file = randomFile(2 * 10 * MiB + 12_345);
    const puts: number[] = [];
    let failedOnce = false;
    // Part 2's first PUT meets a 503, as from a proxy in trouble.
    const flaky: typeof fetch = async (url, init) => {
      const part = /\/(\d+)\?/.exec(urlOf(url))?.[1];
      if (init?.method === 'PUT') puts.push(Number(part));
      if (init?.method === 'PUT' && part === '2' && !failedOnce) {
        failedOnce = true;
        return new Response('busy', { status: 503 });
      }
      return fetch(url, init);
    };
    const http = new CaptureHttp({ baseUrl: server.url(), credential: { token: server.tokens.sign('H1', 'headset') }, fetch: flaky });
    const progress: number[] = [];
    const done = await uploadFile(http, {
      timestamp: '20260206_143052',
      fileType: 'video',
      size: file.length,
      source: file,
      concurrency: 3,
      retryDelayMs: 1,
      onProgress: (p) => progress.push(p.uploadedBytes),
    });
    expect(done).toMatchObject({ ok: true, size: file.length, alreadyCompleted: false });
    expect(puts.sort()).toEqual([1, 2, 2, 3]);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(file.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(sha256(readFileSync(path.join(server.config.storage.dataDir, done.s3Key)))).toBe(sha256(file));
  });

  it('resumes a failed upload from the parts the server holds, streaming the rest', async () => {
    const server = await start();
    const file = randomFile(2 * 10 * MiB + 1);
    const token = server.tokens.sign('H1', 'headset');
    // Part 3 is refused for good (a 400 is not retried): the upload fails, resumable.
    const refuse3: typeof fetch = async (url, init) =>
      init?.method === 'PUT' && /\/3\?/.test(urlOf(url)) ? new Response('no', { status: 400 }) : fetch(url, init);
    const first = uploadFile(new CaptureHttp({ baseUrl: server.url(), credential: { token }, fetch: refuse3 }), {
      timestamp: '20260206_143052',
      fileType: 'video',
      size: file.length,
      source: file,
    });
    const failure = await first.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(UploadError);
    const ref = (failure as UploadError).upload!;

    const puts: string[] = [];
    const counting: typeof fetch = async (url, init) => {
      if (init?.method === 'PUT') puts.push(urlOf(url));
      return fetch(url, init);
    };
    const progress: number[] = [];
    const done = await uploadFile(new CaptureHttp({ baseUrl: server.url(), credential: { token }, fetch: counting }), {
      timestamp: '20260206_143052',
      fileType: 'video',
      size: file.length,
      // A stream per part, as a Node client reading a file would.
      source: (from, to) => Readable.from([file.subarray(from, to)]),
      resume: ref,
      onProgress: (p) => progress.push(p.partsDone),
    });
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatch(/\/3\?/);
    expect(progress).toEqual([2, 3]);
    expect(sha256(readFileSync(path.join(server.config.storage.dataDir, done.s3Key)))).toBe(sha256(file));
  });
});
