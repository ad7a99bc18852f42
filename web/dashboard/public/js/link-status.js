// @ts-check
import { byId } from './dom.js';
import { clock } from './format.js';

/**
 * The page's live link in words: the header's pill, and while the link is
 * down a banner saying since when, every panel with server data greyed, and
 * the live figures (fleet counts, the alarm count) marked "stale" in text, so
 * nothing looks current that is not.
 * @typedef {import('./live.js').LinkState} LinkState
 */
export class LinkStatus {
  constructor() {
    /** When the page last heard from the server (any event or REST answer), and when its live link went down. */
    this.lastUpdate = 0;
    /** @type {number | undefined} */
    this.downSince = undefined;
    /** @type {LinkState} */
    this.state = 'connecting';
  }

  /** @param {LinkState} state @param {string} [detail] */
  set(state, detail) {
    const labels = {
      connecting: ['connecting…', 'pill-stale'],
      live: ['live', 'pill-online'],
      reconnecting: ['disconnected, reconnecting…', 'pill-error'],
      refused: ['refused', 'pill-error'],
    };
    const [text, cls] = labels[state];
    this.state = state;
    if (state === 'live') this.downSince = undefined;
    else if (state !== 'connecting') this.downSince ??= Date.now();
    const connection = byId('connection');
    connection.textContent = text;
    connection.className = `pill ${cls}`;
    connection.title = detail ?? '';
    this.show();
  }

  get down() {
    return this.downSince !== undefined;
  }

  /** Every second and on each change: the banner and the stale marks. */
  show() {
    const down = this.down;
    const banner = byId('connection-banner');
    byId('app').classList.toggle('disconnected', down);
    byId('views-nav').classList.toggle('stale', down);
    banner.hidden = !down;
    const asOf = this.lastUpdate ? `as of ${clock(new Date(this.lastUpdate).toISOString())}` : 'nothing received yet';
    for (const mark of document.querySelectorAll('[data-stale-mark]')) {
      const node = /** @type {HTMLElement} */ (mark);
      node.hidden = !down;
      const text = `stale, ${asOf}`;
      if (down && node.textContent !== text) node.textContent = text;
    }
    if (!down) return;
    // Wall-clock times only: the banner is an alert, and a ticking "N s ago" would be announced every second.
    const updated = this.lastUpdate
      ? `Last update from the server at ${clock(new Date(this.lastUpdate).toISOString())}.`
      : 'Nothing received from the server yet.';
    const text = `No live connection to the server since ${clock(new Date(/** @type {number} */ (this.downSince)).toISOString())}; reconnecting. ${updated} What is shown below may be out of date.`;
    if (banner.textContent !== text) banner.textContent = text;
  }

  clear() {
    byId('app').classList.remove('disconnected');
    byId('views-nav').classList.remove('stale');
    byId('connection-banner').hidden = true;
  }
}
