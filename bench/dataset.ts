/**
 * npm run bench:dataset [-- --takes 100 --small 25 --video-mbps 3 --rounds 3]
 *
 * A LeRobotDataset v3.0 build (POST /api/datasets on a real server, memory
 * store, local storage) from simulated 30-second takes: a real MP4 made once by
 * ffmpeg at the given bitrate and the simulator's NPZ (900 frames of tracking
 * arrays), placed for each take under sessions/ with a verified record. Prints
 * takes per second, MB/s and peak RSS for a build of `--small` takes and one of
 * `--takes` takes (RSS should not grow with the dataset), beside `cp -r` of the
 * same take folders right before each build (the ratio is the build's MB/s over that cp's;
 * medians of `--rounds` alternating rounds, as the machine's load moves).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordingRecord } from '../src/state';
import { buildNpz } from '../scripts/simulate/npz';
import { startServer } from '../test/helpers/start-server';
import { numberOption } from './lib/options';

const TAKES = numberOption('takes', 100);
const SMALL = numberOption('small', 25);
const MBPS = numberOption('video-mbps', 3);
const ROUNDS = numberOption('rounds', 3);
const FRAMES = 900;
const MB = 1e6;

function makeVideo(file: string): void {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=960x540:rate=30',
    '-vf',
    'noise=alls=30:allf=t',
  ];
  const rate = `${MBPS}M`;
  args.push(
    '-frames:v',
    String(FRAMES),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-b:v',
    rate,
    '-maxrate',
    rate,
    '-bufsize',
    `${MBPS * 2}M`,
  );
  const out = spawnSync('ffmpeg', [...args, '-pix_fmt', 'yuv420p', file], { stdio: 'inherit' });
  if (out.status !== 0) throw new Error('ffmpeg failed (scripts/system-packages.sh installs it)');
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const id = (i: number) =>
  `20260101_${String(Math.floor(i / 3600)).padStart(2, '0')}${String(Math.floor(i / 60) % 60).padStart(2, '0')}${String(i % 60).padStart(2, '0')}_BENCH${i}`;

function record(i: number, video: { size: number; sha: string }, data: { size: number; sha: string }): RecordingRecord {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
  const file = (key: string, f: { size: number; sha: string }) => ({
    key,
    state: 'complete' as const,
    size: f.size,
    sha256: f.sha,
    etag: '"bench"',
    updatedAt: at,
  });
  return {
    recordingId: id(i),
    deviceId: `BENCH${i}`,
    appVersion: '2.3.1',
    createdAt: at,
    updatedAt: at,
    state: 'verified',
    files: { video: file(`sessions/${id(i)}/recording.mp4`, video), data: file(`sessions/${id(i)}/session_data.npz`, data) },
    verification: {
      verdict: 'pass',
      reasons: [],
      qaScore: 90,
      checks: {},
      mp4: { playable: true, frameCount: FRAMES, fps: 30, width: 960, height: 540, codec: 'avc1.42c01f', durationSeconds: 30 },
      npz: { readable: true, frameCount: FRAMES },
      verifiedAt: at,
      durationMs: 1,
    },
    tags: { set: i < SMALL ? 'small' : 'rest' },
    history: [],
  };
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-dataset-'));
  const dataDir = path.join(root, 'data');
  try {
    const mp4 = path.join(root, 'take.mp4');
    const npz = path.join(root, 'take.npz');
    makeVideo(mp4);
    writeFileSync(
      npz,
      await buildNpz({
        frames: FRAMES,
        durationSeconds: 30,
        captureDate: new Date('2026-01-01T00:00:00Z'),
        deviceId: 'BENCH',
        appVersion: '2.3.1',
        seed: 34,
      }),
    );
    const video = { size: statSync(mp4).size, sha: sha256(mp4) };
    const data = { size: statSync(npz).size, sha: sha256(npz) };
    const server = await startServer({ env: { DATA_DIR: dataDir } });
    for (let i = 0; i < TAKES; i++) {
      const folder = path.join(dataDir, 'sessions', id(i));
      mkdirSync(folder, { recursive: true });
      copyFileSync(mp4, path.join(folder, 'recording.mp4'));
      copyFileSync(npz, path.join(folder, 'session_data.npz'));
      const r = record(i, video, data);
      await server.store.recordings.update(r.recordingId, () => ({ next: r, result: undefined }));
    }
    const takeMB = (video.size + data.size) / MB;
    console.log(
      `${TAKES} takes of ${FRAMES} frames (30 s at 30 fps): MP4 ${(video.size / MB).toFixed(1)} MB, NPZ ${(data.size / MB).toFixed(2)} MB each`,
    );

    // The baseline: the same take folders copied by cp, on this disk, right before each build (the load moves).
    const cpMBps = (takes: number) => {
      const sources = Array.from({ length: takes }, (_, i) => path.join(dataDir, 'sessions', id(i)));
      const target = path.join(root, 'cp-copy');
      mkdirSync(target, { recursive: true });
      const started = process.hrtime.bigint();
      const cp = spawnSync('cp', ['-r', ...sources, target]);
      if (cp.status !== 0) throw new Error(`cp failed: ${String(cp.stderr)}`);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rmSync(target, { recursive: true, force: true });
      return (takes * takeMB) / seconds;
    };

    const rows: string[][] = [];
    const build = async (name: string, filter: object, takes: number) => {
      const started = process.hrtime.bigint();
      const res = await fetch(`${server.url()}/api/datasets`, {
        method: 'POST',
        headers: { 'x-api-key': server.config.auth.adminApiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ name, format: 'lerobot-v3', filter }),
      });
      const { dataset } = (await res.json()) as { dataset: { datasetId: string } };
      // The summaries (no episodes) every 50 ms: the poll costs the server next to nothing.
      for (;;) {
        const { datasets } = (await (
          await fetch(`${server.url()}/api/datasets`, { headers: { 'x-api-key': server.config.auth.adminApiKey } })
        ).json()) as {
          datasets: Array<{ datasetId: string; state: string; episodeCount: number; error?: string }>;
        };
        const d = datasets.find((x) => x.datasetId === dataset.datasetId)!;
        if (d.state === 'failed') throw new Error(`build failed: ${d.error}`);
        if (d.state === 'ready') {
          if (d.episodeCount !== takes) throw new Error(`${d.episodeCount} episodes, expected ${takes}`);
          return Number(process.hrtime.bigint() - started) / 1e9;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [label, takes, filter] of [
      ['small', SMALL, { tags: { set: 'small' } }],
      ['full', TAKES, {}],
    ] as const) {
      // Alternating rounds of cp and the build, each ratio against the cp just before it (the load moves).
      const rounds: Array<{ seconds: number; cp: number }> = [];
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      for (let round = 0; round < ROUNDS; round++) {
        const cp = cpMBps(takes);
        rounds.push({ cp, seconds: await build(`bench-${label}-${round}`, filter, takes) });
      }
      clearInterval(sampler);
      const seconds = median(rounds.map((r) => r.seconds));
      const mbps = (takes * takeMB) / seconds;
      rows.push([
        `${label} (${takes} takes)`,
        (takes / seconds).toFixed(1),
        mbps.toFixed(0),
        median(rounds.map((r) => r.cp)).toFixed(0),
        `${median(rounds.map((r) => (takes * takeMB) / r.seconds / r.cp)).toFixed(2)}x`,
        rounds.map((r) => ((takes * takeMB) / r.seconds / r.cp).toFixed(2)).join(' '),
        (peak / MB).toFixed(0),
        ((peak - rssBefore) / MB).toFixed(0),
      ]);
    }
    await server.close();
    const header = ['dataset build', 'takes/s', 'MB/s', 'cp -r MB/s', 'of cp', 'rounds', 'peak RSS MB', 'RSS growth MB'];
    console.log(`medians of ${ROUNDS} rounds (cp, then the build)`);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
