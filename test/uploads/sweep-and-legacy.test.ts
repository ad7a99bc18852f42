import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { TokenService } from '../../src/auth';
import { createRestAuth } from '../../src/http/require-auth';
import { testConfig } from '../../src/config';
import { createMetrics } from '../../src/metrics';
import { MemoryStore } from '../../src/state';
import { LocalStorage } from '../../src/storage';
import { createUploads } from '../../src/uploads';
import { MiB, randomFile, sha256, startUploadServer } from './upload-client';
import { eventually } from '../helpers/clients';
import { DomainEvents } from '../../src/domain/events';
import type { SessionUploads } from '../../src/sessions';

/** These uploads belong to no capture session: there is no session progress to report. */
const NO_SESSIONS: SessionUploads = { uploadProgress: async () => undefined };

const HOUR = 3600 * 1000;

describe('stale-upload sweep (local driver)', () => {
  const stores: MemoryStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  function setup() {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-sweep-'));
    const config = testConfig({ DATA_DIR: dataDir, UPLOAD_EXPIRY_HOURS: '24', UPLOADS_IN_PROGRESS_PER_DEVICE: '1000' });
    const store = new MemoryStore(config.ttl);
    stores.push(store);
    const storage = new LocalStorage(dataDir);
    const metrics = createMetrics();
    const events = new DomainEvents();
    const uploads = createUploads({
      config,
      auth: createRestAuth(new TokenService(config.auth.jwtSecret, '1h'), config.auth),
      store,
      sessions: NO_SESSIONS,
      events,
      storage,
      metrics,
      logger: pino({ level: 'silent' }),
    });
    return { dataDir, store, storage, metrics, events, ...uploads };
  }

  const startRequest = { timestamp: '20260206_143052', fileType: 'video' as const, fileSize: 15 * MiB };

  it('aborts uploads older than UPLOAD_EXPIRY_HOURS and leaves younger ones', async () => {
    const { service, sweeper, store, dataDir } = setup();
    const old = await service.start(startRequest, { deviceId: 'H1' }, 'http://x');
    const young = await service.start({ ...startRequest, fileType: 'data' }, { deviceId: 'H1' }, 'http://x');
    const record = (await store.uploads.get(old.uploadId))!;
    await store.uploads.save({ ...record, startedAt: new Date(Date.now() - 25 * HOUR) });

    expect(await sweeper.sweep()).toEqual({ expired: 1, orphaned: 0, tempFiles: 0 });
    expect(await store.uploads.get(old.uploadId)).toBeNull();
    expect(await store.uploads.get(young.uploadId)).not.toBeNull();
    expect(readdirSync(path.join(dataDir, '.multipart'))).toEqual([young.uploadId]);
  });

  it('tells the domain when an upload starts, completes, is aborted or expires', async () => {
    const { service, sweeper, store, storage, events } = setup();
    const heard: string[] = [];
    events.on(
      'upload.changed',
      (e) => void heard.push(`${e.change} ${e.fileType} ${e.deviceId} ${e.sessionId ?? '-'} ${e.etag ? 'etag' : ''}`),
    );
    const small = { ...startRequest, fileSize: 1024, sessionId: 'S1' };
    const done = await service.start(small, { deviceId: 'H1' }, 'http://x');
    const { etag } = await storage.localParts.writePart(done.s3Key, done.uploadId, 1, Readable.from([Buffer.alloc(1024)]));
    await service.complete({ uploadId: done.uploadId, s3Key: done.s3Key, parts: [{ partNumber: 1, etag }] }, { deviceId: 'H1' });
    const aborted = await service.start({ ...small, fileType: 'data' }, { deviceId: 'H1' }, 'http://x');
    await service.abort({ uploadId: aborted.uploadId, s3Key: aborted.s3Key }, { deviceId: 'H1' });
    const stale = await service.start({ ...small, timestamp: '20260206_143053' }, { deviceId: 'H1' }, 'http://x');
    const record = (await store.uploads.get(stale.uploadId))!;
    await store.uploads.save({ ...record, startedAt: new Date(Date.now() - 25 * HOUR) });
    await sweeper.sweep();

    expect(heard).toEqual([
      'started video H1 S1 ',
      'completed video H1 S1 etag',
      'started data H1 S1 ',
      'aborted data H1 S1 ',
      'started video H1 S1 ',
      'expired video H1 S1 ',
    ]);
  });

  it('sweeps stale uploads in batches, oldest first, and refreshes the gauges once per pass', async () => {
    const { service, sweeper, store, metrics } = setup();
    const timestamp = (i: number) => `20260206_14${String(Math.floor(i / 60)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}`;
    const started = [];
    for (let i = 0; i < 250; i++)
      started.push(await service.start({ ...startRequest, timestamp: timestamp(i) }, { deviceId: 'H1' }, 'http://x'));
    for (const [i, s] of started.entries()) {
      if (i === 249) continue; // one stays young
      const record = (await store.uploads.get(s.uploadId))!;
      await store.uploads.save({ ...record, startedAt: new Date(Date.now() - 25 * HOUR - i * 1000) });
    }
    const summaries = vi.spyOn(store.uploads, 'summary');

    expect(await sweeper.sweep()).toEqual({ expired: 249, orphaned: 0, tempFiles: 0 });
    expect(summaries).toHaveBeenCalledTimes(1);
    expect(await store.uploads.summary()).toMatchObject({ count: 1 });
    const gauge = await metrics.registry.getSingleMetric('turing_uploads_in_progress')!.get();
    expect(gauge.values[0]!.value).toBe(1);
  });

  it('aborts uploads storage holds without a record (store lost on restart), once they are old', async () => {
    const { sweeper, storage, dataDir } = setup();
    const orphan = await storage.multipart.createMultipartUpload('sessions/20260206_143052/recording.mp4', {
      contentType: 'video/mp4',
      partSize: 10 * MiB,
    });
    expect(await sweeper.sweep()).toEqual({ expired: 0, orphaned: 0, tempFiles: 0 });
    expect(await sweeper.sweep(new Date(Date.now() + 25 * HOUR))).toEqual({ expired: 0, orphaned: 1, tempFiles: 0 });
    expect(existsSync(path.join(dataDir, '.multipart', orphan))).toBe(false);
  });

  it('clears what a create that broke off left (a directory without metadata), once it is old', async () => {
    const { sweeper, dataDir } = setup();
    const broken = path.join(dataDir, '.multipart', 'ab'.repeat(16));
    mkdirSync(path.join(broken, 'parts'), { recursive: true });
    expect(await sweeper.sweep()).toEqual({ expired: 0, orphaned: 0, tempFiles: 0 });
    expect(await sweeper.sweep(new Date(Date.now() + 25 * HOUR))).toEqual({ expired: 0, orphaned: 1, tempFiles: 0 });
    expect(existsSync(broken)).toBe(false);
  });

  it('deletes temp files of whole-object writes that never finished (a killed legacy upload), once they are old (issue 17, 13)', async () => {
    const { sweeper, storage, dataDir } = setup();
    const dir = path.join(dataDir, 'sessions', '20260206_143052');
    // A write that stalls, as one whose process was killed: its temp file stays where the driver put it.
    const body = new PassThrough();
    const writing = storage.putObjectStream('sessions/20260206_143052/recording.mp4', body, 'video/mp4').catch(() => undefined);
    body.write(Buffer.alloc(1024));
    const temp = await eventually(() => {
      const [name] = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
      expect(name).toBeDefined();
      return path.join(dir, name!);
    });
    // Neighbours that are not the driver's temp files stay whatever their age.
    writeFileSync(path.join(dir, '.notes'), 'x');
    writeFileSync(path.join(dir, 'data.npz'), 'x');

    expect(await sweeper.sweep()).toEqual({ expired: 0, orphaned: 0, tempFiles: 0 });
    expect(existsSync(temp)).toBe(true);
    expect(await sweeper.sweep(new Date(Date.now() + 25 * HOUR))).toEqual({ expired: 0, orphaned: 0, tempFiles: 1 });
    expect(readdirSync(dir).sort()).toEqual(['.notes', 'data.npz']);
    body.destroy();
    await writing;
  });
});

describe('legacy POST /upload-session', () => {
  const servers: CaptureServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const form = (fields: Array<[string, string | Buffer]>) => {
    const body = new FormData();
    for (const [name, value] of fields) {
      if (typeof value === 'string') body.append(name, value);
      else body.append(name, new Blob([value]), name === 'video' ? 'recording.mp4' : 'session_data.npz');
    }
    return body;
  };

  it('streams both files to the session layout and answers with what was stored', async () => {
    const { server, client, dataDir } = await startUploadServer();
    servers.push(server);
    const video = randomFile(3 * MiB);
    const data = randomFile(200_000);
    const heard: string[] = [];
    server.events.on('upload.changed', (e) => void heard.push(`${e.change} ${e.fileType} ${e.key} ${e.fileSize} ${e.sessionId}`));
    const res = await fetch(`${server.url()}/upload-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}` },
      body: form([
        ['timestamp', '20260206_151230'],
        ['sessionId', 'session_1'],
        ['video', video],
        ['data', data],
      ]),
    });
    const body: unknown = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      timestamp: '20260206_151230',
      sessionId: 'session_1',
      files: {
        video: { key: 'sessions/20260206_151230_H1/recording.mp4', size: video.length },
        data: { key: 'sessions/20260206_151230_H1/session_data.npz', size: data.length },
      },
    });
    expect(sha256(readFileSync(path.join(dataDir, 'sessions/20260206_151230_H1/recording.mp4')))).toBe(sha256(video));
    expect(sha256(readFileSync(path.join(dataDir, 'sessions/20260206_151230_H1/session_data.npz')))).toBe(sha256(data));
    expect(readdirSync(path.join(dataDir, 'sessions/20260206_151230_H1')).sort()).toEqual(['recording.mp4', 'session_data.npz']);
    expect(heard).toEqual([
      `completed video sessions/20260206_151230_H1/recording.mp4 ${video.length} session_1`,
      `completed data sessions/20260206_151230_H1/session_data.npz ${data.length} session_1`,
    ]);
  });

  it('refuses bad forms with a clear 4xx and stores nothing', async () => {
    const { server, client, dataDir } = await startUploadServer({ MAX_UPLOAD_BYTES: String(MiB) });
    servers.push(server);
    const post = async (body: FormData, auth = true) => {
      const res = await fetch(`${server.url()}/upload-session`, {
        method: 'POST',
        headers: auth ? { authorization: `Bearer ${client.token}` } : {},
        body,
      });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    const small = randomFile(1000);
    expect(
      await post(
        form([
          ['timestamp', '20260206_151230'],
          ['video', small],
        ]),
        false,
      ),
    ).toMatchObject({ status: 401 });
    expect(
      await post(
        form([
          ['video', small],
          ['timestamp', '20260206_151230'],
        ]),
      ),
    ).toEqual({
      status: 400,
      error: 'the timestamp field (YYYYMMDD_HHMMSS) must come before the files in the form',
    });
    expect(
      await post(
        form([
          ['timestamp', '../../x'],
          ['video', small],
        ]),
      ),
    ).toMatchObject({ status: 400 });
    expect(await post(form([['timestamp', '20260206_151230']]))).toMatchObject({ status: 400, error: expect.stringMatching(/no file/) });
    expect(
      await post(
        form([
          ['timestamp', '20260206_151230'],
          ['other', small],
        ]),
      ),
    ).toMatchObject({
      status: 400,
      error: expect.stringMatching(/unexpected file field "other"/),
    });
    expect(
      await post(
        form([
          ['timestamp', '20260206_151230'],
          ['video', randomFile(MiB + 1)],
        ]),
      ),
    ).toMatchObject({ status: 413 });
    // Not even the temporary file of the oversized video remains.
    const leftovers = existsSync(path.join(dataDir, 'sessions/20260206_151230_H1'))
      ? readdirSync(path.join(dataDir, 'sessions/20260206_151230_H1'))
      : [];
    expect(leftovers).toEqual([]);
  });
});
