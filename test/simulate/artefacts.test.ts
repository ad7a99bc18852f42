import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { analyseNpz } from '../../src/quality/analyse';
import { buildNpz, FrameBank, mp4Source, renderFrame, TimestampAllocator } from '../../scripts/simulate';

/** What the simulator generates must be what real clients produce: readable JPEGs, NPZs the QA scores, distinct keys. */

const run = promisify(execFile);
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const ROOT = path.join(__dirname, '..', '..');

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const capture = (frames = 900, durationSeconds = 30) =>
  buildNpz({ frames, durationSeconds, captureDate: new Date(Date.now() - 60_000), deviceId: 'SIM_H01', appVersion: '2.4.0', seed: 42 });

describe('simulated NPZ', () => {
  it("scores well with the server's own reader: every check passes", async () => {
    const npz = await capture();
    const { score } = await analyseNpz(async () => Readable.from([npz]), { maxNpzBytes: 1024 * 1024, lowConfidence: 0.5 });
    expect(score.issues).toEqual([]);
    expect(score.stages.stage10_validationTests).toMatchObject({
      npzIntegrityCheck: true,
      frameCountCheck: true,
      timestampConsistency: true,
      score: 100,
    });
    expect(score.stages.stage2_captureQuality.totalFrames).toBe(900);
    expect(score.stages.stage2_captureQuality.score).toBeGreaterThan(85);
    expect(score.stages.stage12_trackingConfidence.overallAvgConfidence).toBeGreaterThan(0.75);
    expect(score.overallQualityScore).toBeGreaterThan(85);
  });

  it('is read by numpy itself (scripts/parse_npz.py) with the same arrays and score', async () => {
    const npz = await capture(300, 10);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sim-npz-')), 'session_data.npz');
    writeFileSync(file, npz);
    const { stdout } = await run(PYTHON, [path.join(ROOT, 'scripts', 'parse_npz.py'), '--json', file]);
    const report = (JSON.parse(stdout) as Record<string, { score: { overallQualityScore: number; issues: string[] } }>)[file]!;
    const { score } = await analyseNpz(async () => Readable.from([npz]), { maxNpzBytes: 1024 * 1024, lowConfidence: 0.5 });
    expect(report.score.issues).toEqual([]);
    expect(report.score.overallQualityScore).toBeCloseTo(score.overallQualityScore, 6);
    const text = (await run(PYTHON, [path.join(ROOT, 'scripts', 'parse_npz.py'), file])).stdout;
    expect(text).toMatch(/left_confidence\s+<f4\s+shape \(300,\)/);
    expect(text).toMatch(/tracking_errors\s+\|b1\s+shape \(300,\)/);
    expect(text).toMatch(/metadata\s+\|S\d+\s+shape \(1,\)/);
  });
});

describe('simulated frames', () => {
  it('are real JPEGs of 160×96 that differ as the bar moves', () => {
    const a = renderFrame({ colour: 0, index: 0, recording: false });
    const b = renderFrame({ colour: 0, index: 5, recording: true });
    expect(a.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const decoded = jpeg.decode(a);
    expect([decoded.width, decoded.height]).toEqual([160, 96]);
    expect(a.equals(b)).toBe(false);
  });

  it('are encoded once each and then reused', () => {
    const bank = new FrameBank();
    const first = bank.frame({ colour: 1, index: 3, recording: false });
    expect(bank.frame({ colour: 1, index: 13, recording: false })).toBe(first);
    expect(bank.size).toBe(1);
  });
});

describe('simulated MP4 blob', () => {
  it('streams any byte range of an ftyp + mdat file; ranges join into the whole', async () => {
    const size = 200_000;
    const source = mp4Source(size);
    const whole = await collect(source(0, size));
    expect(whole.length).toBe(size);
    expect(whole.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(whole.subarray(28, 32).toString('latin1')).toBe('mdat');
    const joined = Buffer.concat([await collect(source(0, 10)), await collect(source(10, 70_001)), await collect(source(70_001, size))]);
    expect(joined.equals(whole)).toBe(true);
  });
});

describe('recording timestamps', () => {
  it('gives captures that start in the same second distinct storage folders', () => {
    const allocator = new TimestampAllocator();
    const at = new Date('2026-02-06T14:30:52.400Z');
    expect(allocator.allocate(at)).toBe('20260206_143052');
    expect(allocator.allocate(new Date('2026-02-06T14:30:52.900Z'))).toBe('20260206_143053');
    expect(allocator.allocate(new Date('2026-02-06T14:31:00Z'))).toBe('20260206_143100');
  });
});
