// @ts-check
import { el } from './dom.js';

/**
 * The preview wall: up to MAX_WATCHED headsets' live pictures at once, in a
 * panel docked to the window (so Watch shows it at every size). Frames arrive
 * as `on-headset-frame-updated (frame, deviceId)`, a base64 JPEG string or
 * binary; the server sends each at the rate this viewer asked for. Per tile,
 * only the newest frame is drawn, once per animation frame; each binary frame
 * gets a Blob URL and the previous one is revoked, so memory stays flat. A
 * stream that stops says so ("no frames for 12 s") and greys its picture.
 */

/** How many headsets one page watches at once (the server's MAX_WATCHES_PER_SOCKET is at least this). */
export const MAX_WATCHED = 16;
/** Frames this far apart count as a stream that stopped. */
const NO_FRAMES_MS = 2_000;

/**
 * @typedef {{ deviceId: string, node: HTMLElement, image: HTMLImageElement, stats: HTMLElement,
 *   pending: unknown, objectUrl?: string, scheduled: boolean, frames: number, windowStart: number,
 *   windowFrames: number, fps: number, lastFrameAt: number }} Tile
 */

export class PreviewWall {
  /**
   * @param {{ panel: HTMLElement, tiles: HTMLElement, label: HTMLElement }} nodes
   * @param {(deviceId: string) => void} onStop a tile's Stop button
   */
  constructor(nodes, onStop) {
    this.nodes = nodes;
    this.onStop = onStop;
    /** @type {Map<string, Tile>} */
    this.tiles = new Map();
  }

  /** The watched headsets, in the order they were added. */
  get watched() {
    return [...this.tiles.keys()];
  }

  /** @param {string} deviceId */
  add(deviceId) {
    if (this.tiles.has(deviceId) || this.tiles.size >= MAX_WATCHED) return;
    const image = el('img');
    image.alt = `Live preview of ${deviceId}`;
    image.hidden = true;
    const stats = el('p', { className: 'muted tile-stats', text: 'waiting for frames…' });
    const stop = el('button', { text: 'Stop', className: 'tile-stop' });
    stop.type = 'button';
    stop.setAttribute('aria-label', `Stop watching ${deviceId}`);
    stop.addEventListener('click', () => this.onStop(deviceId));
    const node = el('figure', { className: 'tile', data: { deviceId } }, [
      el('div', { className: 'preview-frame' }, [image]),
      el('figcaption', {}, [el('span', { className: 'device-id', text: deviceId }), stats, stop]),
    ]);
    this.nodes.tiles.append(node);
    const now = performance.now();
    this.tiles.set(deviceId, {
      deviceId,
      node,
      image,
      stats,
      pending: undefined,
      scheduled: false,
      frames: 0,
      windowStart: now,
      windowFrames: 0,
      fps: 0,
      lastFrameAt: now,
    });
    this.layout();
  }

  /** @param {string} deviceId */
  remove(deviceId) {
    const tile = this.tiles.get(deviceId);
    if (!tile) return;
    if (tile.objectUrl) URL.revokeObjectURL(tile.objectUrl);
    tile.node.remove();
    this.tiles.delete(deviceId);
    this.layout();
  }

  clear() {
    for (const id of this.watched) this.remove(id);
  }

  /** The panel shows while anything is watched; the grid has as many columns as a square needs. */
  layout() {
    const n = this.tiles.size;
    this.nodes.panel.hidden = n === 0;
    this.pad();
    this.nodes.tiles.dataset.count = String(n);
    this.nodes.tiles.style.setProperty('--columns', String(Math.max(1, Math.ceil(Math.sqrt(n)))));
    this.nodes.label.textContent = n >= MAX_WATCHED ? `Watching ${n}, the most at once.` : `Watching ${n} of up to ${MAX_WATCHED}.`;
  }

  /** The page can scroll its last rows out from under the docked wall: room below them as tall as the wall. */
  pad() {
    queueMicrotask(() => {
      document.body.style.paddingBottom = this.tiles.size === 0 ? '' : `${this.nodes.panel.offsetHeight + 16}px`;
    });
  }

  /** @param {unknown} frame @param {unknown} deviceId */
  frame(frame, deviceId) {
    const tile = typeof deviceId === 'string' ? this.tiles.get(deviceId) : undefined;
    if (!tile) return;
    tile.pending = frame;
    tile.lastFrameAt = performance.now();
    tile.frames++;
    tile.windowFrames++;
    if (!tile.scheduled) {
      tile.scheduled = true;
      requestAnimationFrame(() => this.draw(tile));
    }
  }

  /** @param {Tile} tile */
  draw(tile) {
    tile.scheduled = false;
    const url = toUrl(tile.pending);
    tile.pending = undefined;
    if (!url || !this.tiles.has(tile.deviceId)) {
      if (url?.startsWith('blob:')) URL.revokeObjectURL(url);
      return;
    }
    const previous = tile.objectUrl;
    tile.objectUrl = url.startsWith('blob:') ? url : undefined;
    tile.image.src = url;
    if (tile.image.hidden) {
      tile.image.hidden = false;
      this.pad();
    }
    tile.image.classList.remove('frozen');
    if (previous) {
      // Revoke only once the new frame is decoded, or the image could flash empty.
      tile.image
        .decode()
        .catch(() => undefined)
        .finally(() => URL.revokeObjectURL(previous));
    }
    const now = performance.now();
    if (now - tile.windowStart >= 1000) {
      tile.fps = (tile.windowFrames * 1000) / (now - tile.windowStart);
      tile.windowStart = now;
      tile.windowFrames = 0;
    }
    tile.stats.textContent = `${tile.frames} frames · ${tile.fps.toFixed(0)} fps`;
  }

  /** Called every second: a watched headset whose frames stopped shows for how long. */
  tick() {
    const now = performance.now();
    for (const tile of this.tiles.values()) {
      const silent = now - tile.lastFrameAt;
      if (silent < NO_FRAMES_MS) continue;
      const text = `no frames for ${Math.floor(silent / 1000)} s`;
      tile.stats.textContent = tile.frames ? `${tile.frames} frames · ${text}` : text;
      tile.image.classList.add('frozen');
      tile.fps = 0;
    }
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
