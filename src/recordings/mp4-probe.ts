import { createFile, Log, MP4BoxBuffer, type Movie } from 'mp4box';
import type { Mp4Facts } from '../state';

/**
 * Reads an MP4's facts (playable, duration, video frame count, frame rate)
 * from its `moov` box, fetched with range reads: the top-level box headers
 * are read one by one (16 bytes each), `mdat` is skipped, and only `ftyp` and
 * `moov` are read whole and handed to mp4box (GPAC's ISO-BMFF parser). So a
 * 2 GB video costs a few kB of reads, never the file in memory.
 */

/** A moov larger than this is refused (an hour of 72 fps video has a moov of a few MB). */
export const MAX_MOOV_BYTES = 64 * 1024 * 1024;
/** Top-level boxes walked at most: a real file has a handful. */
const MAX_TOP_LEVEL_BOXES = 1_000;

export type RangeReader = (start: number, length: number) => Promise<Buffer>;

export interface Mp4Probe extends Mp4Facts {
  /** Why the file is not playable, in words for a person. */
  problems: string[];
}

interface TopBox {
  type: string;
  start: number;
  size: number;
}

export async function probeMp4(read: RangeReader, objectSize: number): Promise<Mp4Probe> {
  const problems: string[] = [];
  const boxes = await walkTopLevel(read, objectSize, problems);
  const ftyp = boxes.find((b) => b.type === 'ftyp');
  const moov = boxes.find((b) => b.type === 'moov');
  if (!ftyp) problems.push('the video is not an MP4 file (no ftyp box at its start)');
  if (!moov) {
    if (ftyp) problems.push('the video has no moov box: it was cut short or never finalised, so it cannot be played');
    return { playable: false, problems };
  }
  if (moov.size > MAX_MOOV_BYTES) {
    problems.push(`the video's moov box is ${moov.size} bytes, over the ${MAX_MOOV_BYTES}-byte limit`);
    return { playable: false, problems };
  }
  if (problems.length > 0) return { playable: false, problems };
  const movie = await parseMoov([await read(ftyp!.start, ftyp!.size), await read(moov.start, moov.size)]);
  if (typeof movie === 'string') return { playable: false, problems: [movie] };
  return { ...videoFacts(movie.info, movie.file), problems: [] };
}

async function walkTopLevel(read: RangeReader, objectSize: number, problems: string[]): Promise<TopBox[]> {
  const boxes: TopBox[] = [];
  let offset = 0;
  while (offset < objectSize && boxes.length < MAX_TOP_LEVEL_BOXES) {
    const header = await read(offset, 16);
    if (header.length < 8) {
      problems.push(`the video ends inside a box header at byte ${offset}: the file is truncated`);
      break;
    }
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) {
      problems.push(`the video has no valid box at byte ${offset}: the file is corrupt or not an MP4`);
      break;
    }
    if (size === 1) {
      if (header.length < 16) {
        problems.push(`the video ends inside a box header at byte ${offset}: the file is truncated`);
        break;
      }
      size = Number(header.readBigUInt64BE(8));
    } else if (size === 0) {
      size = objectSize - offset;
    }
    if (size < 8) {
      problems.push(`the video has a malformed ${type} box at byte ${offset}`);
      break;
    }
    if (offset + size > objectSize) {
      problems.push(`the video's ${type} box needs ${offset + size - objectSize} bytes more than the file has: the file is truncated`);
      break;
    }
    boxes.push({ type, start: offset, size });
    offset += size;
  }
  return boxes;
}

/** Feeds ftyp and moov to mp4box as if contiguous (sample offsets are not needed for the facts). */
function parseMoov(buffers: Buffer[]): Promise<{ info: Movie; file: ReturnType<typeof createFile> } | string> {
  // mp4box logs through console by default; only its errors matter here, and they reach onError.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- mp4box compares the level by identity, so it must be Log.error itself
  Log.setLogLevel(Log.error);
  return new Promise((resolve) => {
    const file = createFile();
    let settled = false;
    const done = (value: { info: Movie; file: ReturnType<typeof createFile> } | string) => {
      if (!settled) resolve(value);
      settled = true;
    };
    file.onReady = (info: Movie) => done({ info, file });
    file.onError = (_module, message) => done(`the video's moov box could not be parsed: ${String(message).slice(0, 200)}`);
    try {
      let position = 0;
      for (const buffer of buffers) {
        const bytes = new ArrayBuffer(buffer.length);
        new Uint8Array(bytes).set(buffer);
        const copy = MP4BoxBuffer.fromArrayBuffer(bytes, position);
        position += buffer.length;
        file.appendBuffer(copy);
      }
      file.flush();
    } catch (err) {
      done(`the video's moov box could not be parsed: ${String((err as Error).message).slice(0, 200)}`);
    }
    done('the video has no readable movie header (moov)');
  });
}

function videoFacts(info: Movie, file: ReturnType<typeof createFile>): Mp4Facts {
  const track = info.videoTracks[0];
  if (!track) return { playable: false, durationSeconds: info.timescale ? info.duration / info.timescale : undefined };
  const durationSeconds = track.timescale > 0 ? track.duration / track.timescale : undefined;
  const frameCount = track.nb_samples;
  return {
    playable: frameCount > 0 && !!durationSeconds,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    frameCount,
    ...(nominalFps(file, track.id, track.timescale) ?? {}),
    width: track.video?.width ?? track.track_width,
    height: track.video?.height ?? track.track_height,
    codec: track.codec,
  };
}

/**
 * The rate the video was meant to have: its timescale over its most common
 * frame duration (stts). Frames dropped or frozen show up as a lower effective
 * rate (frames / duration) against this.
 */
function nominalFps(file: ReturnType<typeof createFile>, trackId: number, timescale: number): { fps: number } | undefined {
  type Trak = {
    tkhd?: { track_id?: number };
    mdia?: { minf?: { stbl?: { stts?: { sample_counts: number[]; sample_deltas: number[] } } } };
  };
  const traks = (file as unknown as { moov?: { traks?: Trak[] } }).moov?.traks ?? [];
  const stts = traks.find((t) => t.tkhd?.track_id === trackId)?.mdia?.minf?.stbl?.stts;
  if (!stts || stts.sample_deltas.length === 0) return undefined;
  let best = 0;
  for (let i = 1; i < stts.sample_counts.length; i++) if (stts.sample_counts[i]! > stts.sample_counts[best]!) best = i;
  const delta = stts.sample_deltas[best]!;
  return delta > 0 ? { fps: timescale / delta } : undefined;
}
