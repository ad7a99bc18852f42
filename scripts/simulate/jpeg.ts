import jpeg from 'jpeg-js';

/**
 * Synthetic preview frames: small real JPEGs (encoded by jpeg-js) with a bar
 * sweeping across, so a viewer sees at a glance that the stream is live, and a
 * red dot while the headset records.
 *
 * jpeg-js spends about 20-30 ms setting up each encode whatever the image size,
 * so frames are never encoded per send: a FrameBank encodes each distinct
 * frame once (at most PALETTE.length × LOOP_FRAMES × 2 of them) and the fleet
 * sends those bytes over and over.
 */

export const FRAME_WIDTH = 160;
export const FRAME_HEIGHT = 96;
/** Bar positions in one sweep; at 30 fps the bar crosses three times a second. */
export const LOOP_FRAMES = 10;
/** Background colours; headsets take them in turn so neighbours look different. */
export const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [40, 90, 160],
  [40, 140, 90],
  [150, 90, 40],
  [110, 60, 150],
];

export interface FrameSpec {
  /** Index into PALETTE. */
  colour: number;
  /** Position in the sweep, 0 … LOOP_FRAMES-1. */
  index: number;
  recording: boolean;
}

export function renderFrame({ colour, index, recording }: FrameSpec): Buffer {
  const pixels = Buffer.alloc(FRAME_WIDTH * FRAME_HEIGHT * 4, 255);
  const [r, g, b] = PALETTE[colour % PALETTE.length]!;
  const set = (x: number, y: number, rgb: readonly number[]) => {
    const o = (y * FRAME_WIDTH + x) * 4;
    pixels[o] = rgb[0]!;
    pixels[o + 1] = rgb[1]!;
    pixels[o + 2] = rgb[2]!;
  };
  const barX = Math.round(((index % LOOP_FRAMES) / LOOP_FRAMES) * FRAME_WIDTH);
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    const shade = 0.5 + (0.5 * y) / FRAME_HEIGHT;
    for (let x = 0; x < FRAME_WIDTH; x++) {
      const inBar = x >= barX && x < barX + 12;
      const dx = x - (FRAME_WIDTH - 14);
      const dy = y - 14;
      if (recording && dx * dx + dy * dy <= 36) set(x, y, [230, 20, 20]);
      else set(x, y, inBar ? [245, 245, 245] : [r * shade, g * shade, b * shade]);
    }
  }
  return jpeg.encode({ data: pixels, width: FRAME_WIDTH, height: FRAME_HEIGHT }, 70).data;
}

/** Each distinct frame encoded once, on first use; shared by every headset of a fleet. */
export class FrameBank {
  private readonly cache = new Map<string, Buffer>();

  frame(spec: FrameSpec): Buffer {
    const colour = spec.colour % PALETTE.length;
    const index = spec.index % LOOP_FRAMES;
    const key = `${colour}:${index}:${spec.recording}`;
    let frame = this.cache.get(key);
    if (!frame) {
      frame = renderFrame({ colour, index, recording: spec.recording });
      this.cache.set(key, frame);
    }
    return frame;
  }

  get size(): number {
    return this.cache.size;
  }
}
