/**
 * npm run bench:verify [-- --size-mib 512]
 *
 * The recordings' integrity gate (SHA-256 of both files read back through the
 * local storage driver, the MP4's moov by range reads, the NPZ read and scored,
 * the cross-checks) against a plain SHA-256 of the same files read from the same
 * disk in the same run. The MP4 is the real test fixture (ffmpeg) with a `free`
 * box appended to reach the size: a valid MP4 whose bytes must all be hashed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/config';
import { analyseNpz } from '../src/quality/analyse';
import { verifyRecording } from '../src/recordings/verifier';
import type { RecordingRecord } from '../src/state';
import { LocalStorage } from '../src/storage';
import { numberOption } from './lib/options';

const MiB = 1024 * 1024;
const SIZE = numberOption('size-mib', 512) * MiB;
const FIXTURES = path.join(__dirname, '../test/recordings/fixtures');
const ID = '20260206_143052_BENCH';

async function writeVideo(file: string): Promise<void> {
  const mp4 = readFileSync(path.join(FIXTURES, 'good.mp4'));
  const pad = SIZE - mp4.length;
  const handle = await open(file, 'w');
  await handle.write(mp4);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(pad, 0);
  header.write('free', 4, 'latin1');
  await handle.write(header);
  const block = Buffer.alloc(8 * MiB, 7);
  for (let left = pad - 8; left > 0; left -= block.length) await handle.write(block, 0, Math.min(block.length, left));
  await handle.close();
}

async function plainSha256(files: string[]): Promise<number> {
  const began = process.hrtime.bigint();
  for (const file of files) await pipeline(createReadStream(file), createHash('sha256'));
  return Number(process.hrtime.bigint() - began) / 1e9;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-verify-'));
  try {
    const folder = path.join(root, 'sessions', ID);
    mkdirSync(folder, { recursive: true });
    const video = path.join(folder, 'recording.mp4');
    const data = path.join(folder, 'session_data.npz');
    await writeVideo(video);
    writeFileSync(data, readFileSync(path.join(FIXTURES, 'good.npz')));
    const bytes = statSync(video).size + statSync(data).size;
    const { config } = loadConfig({ NODE_ENV: 'test' });
    const storage = new LocalStorage(root);
    const record: RecordingRecord = {
      recordingId: ID,
      deviceId: 'BENCH',
      createdAt: new Date(),
      updatedAt: new Date(),
      state: 'verifying',
      files: {
        video: { key: `sessions/${ID}/recording.mp4`, state: 'complete', size: statSync(video).size, updatedAt: new Date() },
        data: { key: `sessions/${ID}/session_data.npz`, state: 'complete', size: statSync(data).size, updatedAt: new Date() },
      },
      tags: {},
      history: [],
    };
    // Warm the page cache the same way for both sides.
    await plainSha256([video, data]);
    const plain = await plainSha256([video, data]);
    const began = process.hrtime.bigint();
    const { verification } = await verifyRecording(record, {
      storage,
      thresholds: config.recordings,
      analyseNpz: (openStream) =>
        analyseNpz(openStream, { maxNpzBytes: config.quality.maxNpzBytes, lowConfidence: config.quality.lowConfidence }),
    });
    const gate = Number(process.hrtime.bigint() - began) / 1e9;
    if (verification.verdict !== 'pass') throw new Error(`the bench recording did not pass: ${verification.reasons.join('; ')}`);
    const mbps = (s: number) => bytes / MiB / s;
    console.log(
      `files: ${(bytes / MiB).toFixed(0)} MiB (MP4 ${((bytes - statSync(data).size) / MiB).toFixed(0)} MiB + NPZ), page cache warm`,
    );
    console.log(`plain sha256 (baseline): ${mbps(plain).toFixed(0)} MB/s (${plain.toFixed(2)} s)`);
    console.log(`integrity gate:          ${mbps(gate).toFixed(0)} MB/s (${gate.toFixed(2)} s)`);
    console.log(`ratio gate / plain:      ${(mbps(gate) / mbps(plain)).toFixed(2)}`);
    console.log(
      `load average: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
