// @ts-check
import { el } from './dom.js';
import { duration } from './format.js';

/** @typedef {import('../../../../src/protocol').SessionView} SessionView */

/**
 * Capture sessions (GET /api/sessions), newest first. Running sessions'
 * durations tick every second from their start, between REST refreshes.
 */
export class SessionsView {
  /** @param {HTMLTableElement} table @param {HTMLElement} empty */
  constructor(table, empty) {
    this.body = /** @type {HTMLTableSectionElement} */ (table.tBodies[0]);
    this.empty = empty;
    /** @type {SessionView[]} */
    this.sessions = [];
    this.fetchedAt = Date.now();
  }

  /** @param {SessionView[]} sessions */
  update(sessions) {
    this.sessions = sessions;
    this.fetchedAt = Date.now();
    this.render();
  }

  render() {
    const elapsed = (Date.now() - this.fetchedAt) / 1000;
    this.body.replaceChildren(
      ...this.sessions.map((s) => {
        const running = s.status === 'recording' || s.status === 'paused';
        const seconds = s.duration === undefined ? undefined : s.duration + (running ? elapsed : 0);
        const statuses = Object.values(s.deviceStatuses ?? {});
        const uploaded = statuses.filter((d) => d.uploadStatus === 'completed').length;
        const failed = statuses.filter((d) => d.uploadStatus === 'failed').length;
        const uploading = statuses.filter((d) => d.uploadStatus === 'uploading').length;
        const uploads = `${uploaded}/${s.deviceIds.length}${uploading ? ` (${uploading} uploading)` : ''}${failed ? ` (${failed} failed)` : ''}`;
        return el('tr', { data: { sessionId: s.sessionId } }, [
          el('td', { text: shortId(s.sessionId), title: s.sessionId }),
          el('td', { text: s.tabletId }),
          el('td', {}, [el('span', { text: s.status, className: `pill ${statusClass(s.status)}`, data: { field: 'status' } })]),
          el('td', { text: String(s.deviceIds.length), className: 'num' }),
          el('td', { text: duration(seconds), className: 'num', data: { field: 'duration' } }),
          el('td', { text: uploads, className: 'num' }),
        ]);
      }),
    );
    this.empty.hidden = this.sessions.length > 0;
  }
}

/** session_1770388252000_Xy3kP0aB → …Xy3kP0aB (the full ID is the cell's tooltip). @param {string} id */
function shortId(id) {
  return id.length > 16 ? `…${id.slice(-12)}` : id;
}

/** @param {string} status */
function statusClass(status) {
  if (status === 'recording') return 'pill-error';
  if (status === 'paused' || status === 'uploading') return 'pill-stale';
  if (status === 'completed') return 'pill-online';
  return 'pill-offline';
}
