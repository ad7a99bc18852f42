import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Real MP4 recordings for the simulator, made by ffmpeg (Debian's, libx264; the
 * tests install it with scripts/system-packages.sh) when it is on the PATH: a
 * 64x48 test pattern with exactly the frames the tracking data has, so the
 * integrity gate's cross-checks hold. Without ffmpeg this answers undefined and
 * the simulator falls back to its placeholder blob (which the gate rejects).
 */

/** How a simulated recording is deliberately broken, so the verdicts show. */
export type Breakage = 'none' | 'short-video' | 'truncated' | 'hands-out-of-frame';
export const BREAKAGES: readonly Breakage[] = ['short-video', 'truncated', 'hands-out-of-frame'];

let ffmpegMissing = false;

export async function makeMp4(frames: number, fps: number): Promise<Buffer | undefined> {
  if (ffmpegMissing || frames < 1) return undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-mp4-'));
  const file = path.join(dir, 'recording.mp4');
  try {
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          `testsrc=size=64x48:rate=${fps}`,
          '-frames:v',
          String(frames),
        ].concat(['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]),
        { stdio: 'ignore' },
      );
      child.on('error', () => {
        ffmpegMissing = true;
        resolve(false);
      });
      child.on('exit', (code) => resolve(code === 0));
    });
    return ok ? await readFile(file) : undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The video as a broken recording would have it: fewer frames, or cut short. */
export function videoFrames(frames: number, breakage: Breakage): number {
  return breakage === 'short-video' ? Math.max(1, Math.round(frames * 0.7)) : frames;
}

export function truncate(mp4: Buffer, breakage: Breakage): Buffer {
  return breakage === 'truncated' ? mp4.subarray(0, Math.max(1, Math.floor(mp4.length * 0.6))) : mp4;
}
