/**
 * npm run bench:upload [-- --size-mib 2048 --parallel 4 --client node-http|fetch]
 *
 * A chunked upload through the local driver, against writing the same bytes
 * straight to the same disk in the same run. The server under test runs as its
 * own process, so its resident memory is measured alone (VmHWM, the kernel's
 * peak-RSS mark, from /proc). Both sides end with an fsync.
 *
 * A tus server (@tus/server with @tus/file-store, bench/tus-server.mjs, its own
 * process on the same disk) receives the same bytes in the same run, in 10 MiB
 * PATCHes one after another (tus appends in order); it fsyncs its file before
 * answering the last one (onUploadFinish), as the capture server does on complete.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cpuTimes, freePort, procStatus, waitUntil } from './lib/process';
import { CaptureHttp, uploadFile } from '@capture-backend/client';
import { nodeHttpFetch } from '@capture-backend/client/node';
import { numberOption, textOption } from './lib/options';

const MiB = 1024 * 1024;
const SIZE = numberOption('size-mib', 2048) * MiB;
const PARALLEL = numberOption('parallel', 4);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

/**
 * Both uploads send through node:http (packages/client/src/node-http-fetch.ts): Node 20's built-in
 * fetch took about ten times the CPU and wall time for the same PUTs, so the sender, not
 * the server under test, set the pace. `--client fetch` measures with the built-in fetch.
 */
const CLIENT = textOption('client', 'node-http');
const clientFetch: typeof fetch = CLIENT === 'fetch' ? (...a) => fetch(...a) : nodeHttpFetch();

/** One 10 MiB block of random bytes, reused: the disk and the MD5 see real data, the client holds little. */
const block = randomBytes(10 * MiB);

async function rawWrite(dir: string): Promise<number> {
  const file = path.join(dir, 'raw.bin');
  const began = process.hrtime.bigint();
  const handle = await open(file, 'w');
  for (let written = 0; written < SIZE; written += block.length) {
    await handle.write(block, 0, Math.min(block.length, SIZE - written));
  }
  await handle.sync();
  await handle.close();
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  rmSync(file);
  return seconds;
}

async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean),
      '--import',
      'tsx',
      path.join(__dirname, '..', 'src', 'server.ts'),
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        JWT_SECRET: 'bench-jwt-secret-that-is-long-enough-0123456789',
        ADMIN_API_KEY: ADMIN_KEY,
        REDIS_URL: '',
        S3_BUCKET_NAME: '',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/test`)).ok, 'server');
  } catch (err) {
    child.kill();
    throw err;
  }
  return child;
}

/** The upload as a client makes it, through the typed client (@capture-backend/client, packages/client): PARALLEL parts in flight. */
async function chunkedUpload(base: string): Promise<number> {
  const began = process.hrtime.bigint();
  await uploadFile(new CaptureHttp({ baseUrl: base, credential: { apiKey: ADMIN_KEY }, fetch: clientFetch }), {
    timestamp: '20260206_143052',
    fileType: 'video',
    size: SIZE,
    // Every part is a view of the one block (parts are 10 MiB up to 100 GiB files), so the client holds little.
    source: (start, end) => {
      if (end - start > block.length) throw new Error('the benchmark assumes 10 MiB parts');
      return block.subarray(0, end - start);
    },
    concurrency: PARALLEL,
    retries: 0,
  });
  return Number(process.hrtime.bigint() - began) / 1e9;
}

async function startTus(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(__dirname, 'tus-server.mjs'), String(port), dir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/files`, { method: 'OPTIONS' })).status < 500, 'tus server');
  return child;
}

/** The same bytes to the tus server: create, then PATCH 10 MiB at a time (the last answer comes after its fsync). */
async function tusUpload(base: string, dir: string): Promise<number> {
  const began = process.hrtime.bigint();
  const tus = { 'tus-resumable': '1.0.0' };
  const created = await clientFetch(`${base}/files`, { method: 'POST', headers: { ...tus, 'upload-length': String(SIZE) } });
  if (created.status !== 201) throw new Error(`tus create: HTTP ${created.status}`);
  const location = new URL(created.headers.get('location')!, base).toString();
  for (let offset = 0; offset < SIZE; offset += block.length) {
    const size = Math.min(block.length, SIZE - offset);
    const res = await clientFetch(location, {
      method: 'PATCH',
      headers: { ...tus, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
      body: block.subarray(0, size),
    });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`tus PATCH at ${offset}: HTTP ${res.status}`);
  }
  const stored = statSync(path.join(dir, path.basename(new URL(location).pathname))).size;
  if (stored !== SIZE) throw new Error(`tus stored ${stored} bytes, expected ${SIZE}`);
  return Number(process.hrtime.bigint() - began) / 1e9;
}

async function main(): Promise<void> {
  // Same disk for both: a directory under the OS temp dir.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-bench-upload-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const server = await startServer(dataDir, port);
  try {
    const rssBefore = procStatus(server.pid!, 'VmRSS');
    // The raw write runs before and after the upload, so disk write-back from one
    // phase weighs on both sides alike; the baseline is their mean.
    const rawBefore = await rawWrite(dir);
    const serverCpuBefore = cpuTimes(server.pid!);
    const clientCpuBefore = process.cpuUsage();
    const uploadSeconds = await chunkedUpload(`http://127.0.0.1:${port}`);
    const serverCpuAfter = cpuTimes(server.pid!);
    const serverUser = serverCpuAfter.user - serverCpuBefore.user;
    const serverSystem = serverCpuAfter.system - serverCpuBefore.system;
    const serverCpu = serverUser + serverSystem;
    const stored = statSync(path.join(dataDir, 'sessions/20260206_143052/recording.mp4')).size;
    if (stored !== SIZE) throw new Error(`stored ${stored} bytes, expected ${SIZE}`);
    const clientCpuUsage = process.cpuUsage(clientCpuBefore);
    const clientCpu = (clientCpuUsage.user + clientCpuUsage.system) / 1e6;
    const peak = procStatus(server.pid!, 'VmHWM');
    rmSync(dataDir, { recursive: true, force: true });

    const tusDir = path.join(dir, 'tus');
    const tusPort = await freePort();
    const tus = await startTus(tusDir, tusPort);
    let tusSeconds: number;
    let tusUser: number;
    let tusSystem: number;
    try {
      const tusCpuBefore = cpuTimes(tus.pid!);
      tusSeconds = await tusUpload(`http://127.0.0.1:${tusPort}`, tusDir);
      const tusCpuAfter = cpuTimes(tus.pid!);
      tusUser = tusCpuAfter.user - tusCpuBefore.user;
      tusSystem = tusCpuAfter.system - tusCpuBefore.system;
    } finally {
      tus.kill('SIGTERM');
    }
    rmSync(tusDir, { recursive: true, force: true });
    const rawAfter = await rawWrite(dir);
    const rawSeconds = (rawBefore + rawAfter) / 2;

    const mbps = (seconds: number) => SIZE / 1e6 / seconds;
    const rows = [
      ['raw disk write, before the upload', `${rawBefore.toFixed(2)} s`, `${mbps(rawBefore).toFixed(0)} MB/s`],
      ['raw disk write, after the upload', `${rawAfter.toFixed(2)} s`, `${mbps(rawAfter).toFixed(0)} MB/s`],
      ['raw disk write, mean (baseline)', `${rawSeconds.toFixed(2)} s`, `${mbps(rawSeconds).toFixed(0)} MB/s`],
      [`chunked upload, ${PARALLEL} parts in parallel`, `${uploadSeconds.toFixed(2)} s`, `${mbps(uploadSeconds).toFixed(0)} MB/s`],
      ['tus server (@tus/server + @tus/file-store), 10 MiB PATCHes', `${tusSeconds.toFixed(2)} s`, `${mbps(tusSeconds).toFixed(0)} MB/s`],
    ];
    const tusCpu = tusUser + tusSystem;
    const GiB = SIZE / 1024 ** 3;
    console.log(
      `\n${(SIZE / MiB).toFixed(0)} MiB through the local driver (${os.cpus().length} CPUs, node ${process.version}, client ${CLIENT})\n`,
    );
    console.log('| what | time | speed |\n| --- | --- | --- |');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(`\nupload / raw: ${((mbps(uploadSeconds) / mbps(rawSeconds)) * 100).toFixed(0)} %`);
    console.log(
      `upload / tus: ${((mbps(uploadSeconds) / mbps(tusSeconds)) * 100).toFixed(0)} % (tus / raw: ${((mbps(tusSeconds) / mbps(rawSeconds)) * 100).toFixed(0)} %)`,
    );
    console.log(
      `server CPU per GiB: capture server ${(serverCpu / GiB).toFixed(2)} s, tus server ${(tusCpu / GiB).toFixed(2)} s (ratio ${(serverCpu / tusCpu).toFixed(2)})`,
    );
    console.log(
      `  of which user / kernel: capture ${(serverUser / GiB).toFixed(2)} / ${(serverSystem / GiB).toFixed(2)} s, tus ${(tusUser / GiB).toFixed(2)} / ${(tusSystem / GiB).toFixed(2)} s`,
    );
    console.log(
      `CPU during the upload: server ${serverCpu.toFixed(1)} s, client ${clientCpu.toFixed(1)} s (load average ${os.loadavg()[0]!.toFixed(1)})`,
    );
    console.log(
      `server RSS: ${(rssBefore / MiB).toFixed(0)} MiB before, ${(peak / MiB).toFixed(0)} MiB peak, growth ${((peak - rssBefore) / MiB).toFixed(0)} MiB`,
    );
  } finally {
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
