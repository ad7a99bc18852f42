// @ts-check
/**
 * The live preview of one headset: frames arrive as `on-headset-frame-updated
 * (frame, deviceId)`, either a base64 JPEG string or binary (ArrayBuffer).
 * Only the newest frame is drawn, once per animation frame, so a fast stream
 * never queues work; each binary frame gets a Blob URL and the previous one is
 * revoked so memory stays flat. A stream that stops says so ("no frames for
 * 12 s") and greys the last picture, rather than showing a frozen fps.
 */

/** Frames this far apart count as a stream that stopped. */
const NO_FRAMES_MS = 2_000;
export class PreviewView {
  /** @param {{ image: HTMLImageElement, label: HTMLElement, stats: HTMLElement, stop: HTMLElement }} nodes */
  constructor(nodes) {
    this.nodes = nodes;
    /** @type {string | undefined} */
    this.deviceId = undefined;
    /** @type {unknown} */
    this.pending = undefined;
    /** @type {string | undefined} */
    this.objectUrl = undefined;
    this.scheduled = false;
    this.frames = 0;
    this.windowStart = performance.now();
    this.windowFrames = 0;
    this.fps = 0;
    this.lastFrameAt = performance.now();
  }

  /** @param {string | undefined} deviceId */
  show(deviceId) {
    this.deviceId = deviceId;
    this.pending = undefined;
    this.frames = 0;
    this.windowFrames = 0;
    this.fps = 0;
    this.windowStart = performance.now();
    this.lastFrameAt = performance.now();
    this.nodes.image.classList.remove('frozen');
    this.nodes.label.textContent = deviceId ? `${deviceId}: waiting for frames…` : 'Choose a headset with “Watch”.';
    this.nodes.stats.textContent = '';
    this.nodes.stop.hidden = !deviceId;
    this.nodes.image.hidden = true;
    this.nodes.image.removeAttribute('src');
    this.release();
  }

  /** @param {unknown} frame @param {unknown} deviceId */
  frame(frame, deviceId) {
    if (deviceId !== this.deviceId) return;
    this.pending = frame;
    this.lastFrameAt = performance.now();
    this.frames++;
    this.windowFrames++;
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  draw() {
    this.scheduled = false;
    const frame = this.pending;
    this.pending = undefined;
    const url = toUrl(frame);
    if (!url) return;
    const previous = this.objectUrl;
    this.objectUrl = url.startsWith('blob:') ? url : undefined;
    const image = this.nodes.image;
    image.src = url;
    image.hidden = false;
    image.classList.remove('frozen');
    if (previous) {
      // Revoke only once the new frame is decoded, or the image could flash empty.
      image
        .decode()
        .catch(() => undefined)
        .finally(() => URL.revokeObjectURL(previous));
    }
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.fps = (this.windowFrames * 1000) / (now - this.windowStart);
      this.windowStart = now;
      this.windowFrames = 0;
    }
    this.nodes.label.textContent = `${this.deviceId}`;
    this.nodes.stats.textContent = `${this.frames} frames · ${this.fps.toFixed(0)} fps`;
  }

  /** Called every second: a watched headset whose frames stopped shows for how long. */
  tick() {
    if (!this.deviceId) return;
    const silent = performance.now() - this.lastFrameAt;
    if (silent < NO_FRAMES_MS) return;
    const text = `no frames for ${Math.floor(silent / 1000)} s`;
    this.nodes.stats.textContent = this.frames ? `${this.frames} frames · ${text}` : text;
    this.nodes.image.classList.add('frozen');
    this.fps = 0;
  }

  release() {
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = undefined;
  }
}

/** A frame as an image URL; undefined for anything that is not a JPEG payload. @param {unknown} frame */
function toUrl(frame) {
  if (typeof frame === 'string') {
    if (frame.startsWith('data:image/')) return frame;
    return /^[A-Za-z0-9+/=\s]+$/.test(frame.slice(0, 256)) ? `data:image/jpeg;base64,${frame}` : undefined;
  }
  if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) {
    return URL.createObjectURL(new Blob([/** @type {BlobPart} */ (frame)], { type: 'image/jpeg' }));
  }
  return undefined;
}
