// @ts-check
import { el, setText } from './dom.js';
import { clock, duration, sessionLabel } from './format.js';

/**
 * @typedef {import('../../../../src/protocol').SessionView} SessionView
 * @typedef {import('./fleet-state.js').FleetState} FleetState
 * @typedef {{ row: HTMLTableRowElement, cells: Record<string, HTMLTableCellElement>, name: HTMLElement, id: HTMLElement }} SessionRow
 */

const FIELDS = [
  { key: 'session', priority: 0 },
  { key: 'tablet', priority: 1 },
  { key: 'status', priority: 0 },
  { key: 'started', priority: 1 },
  { key: 'duration', priority: 0 },
  { key: 'headsets', priority: 0 },
  { key: 'uploads', priority: 2 },
];

/** @type {Record<string, number>} */
const PRIORITY = Object.fromEntries(FIELDS.map((f) => [f.key, f.priority]));

/**
 * Capture sessions (GET /api/sessions), newest first: who (participant and
 * task from the session's metadata), when, and how its headsets are doing.
 * Rows are kept and updated in place, so the per-second duration tick never
 * takes the keyboard focus off a Details button.
 */
export class SessionsView {
  /** @param {HTMLTableElement} table @param {HTMLElement} empty @param {(sessionId: string) => void} onDetails */
  constructor(table, empty, onDetails) {
    this.body = /** @type {HTMLTableSectionElement} */ (table.tBodies[0]);
    this.empty = empty;
    this.onDetails = onDetails;
    /** @type {SessionView[]} */
    this.sessions = [];
    this.fetchedAt = Date.now();
    /** @type {Map<string, SessionRow>} */
    this.rows = new Map();
  }

  /** @param {SessionView[]} sessions */
  update(sessions) {
    this.sessions = sessions;
    this.fetchedAt = Date.now();
  }

  /** @param {FleetState} state @param {number} now */
  render(state, now) {
    const elapsed = (now - this.fetchedAt) / 1000;
    const order = this.sessions.map((s) => {
      const entry = this.rows.get(s.sessionId) ?? this.createRow(s.sessionId);
      this.fill(entry, s, state, elapsed);
      return entry.row;
    });
    const keep = new Set(this.sessions.map((s) => s.sessionId));
    for (const id of this.rows.keys()) if (!keep.has(id)) this.rows.delete(id);
    const current = this.body.rows;
    if (current.length !== order.length || order.some((row, i) => current[i] !== row)) this.body.replaceChildren(...order);
    this.empty.hidden = this.sessions.length > 0;
  }

  /** @param {string} sessionId @returns {SessionRow} */
  createRow(sessionId) {
    /** @type {Record<string, HTMLTableCellElement>} */
    const cells = {};
    const row = el('tr', { data: { sessionId } });
    for (const f of FIELDS) {
      cells[f.key] = el('td', { data: { field: f.key }, className: `p${f.priority}` });
      row.append(cells[f.key]);
    }
    const name = el('span', { className: 'session-name' });
    // Named for people (participant · task, then tablet and start time); the ID is in the title and the detail.
    const id = el('span', { className: 'session-id muted', title: sessionId });
    cells.session.append(name, id);
    cells.status.append(el('span', { className: 'pill' }));
    const details = el('button', { text: 'Details', className: 'details' });
    details.type = 'button';
    details.setAttribute('aria-label', `Details of session ${sessionId}`);
    details.addEventListener('click', () => this.onDetails(sessionId));
    row.append(el('td', { className: 'p0 actions' }, [details]));
    const entry = { row, cells, name, id };
    this.rows.set(sessionId, entry);
    return entry;
  }

  /** @param {SessionRow} entry @param {SessionView} s @param {FleetState} state @param {number} elapsed */
  fill({ cells, name, id }, s, state, elapsed) {
    /** A cell's text and state class; its priority class (which collapses it on narrow screens) stays. @type {(key: string, text: string, className?: string) => void} */
    const put = (key, text, className = '') => setText(cells[key], text, `p${PRIORITY[key]}${className ? ` ${className}` : ''}`);
    const running = s.status === 'recording' || s.status === 'paused';
    const seconds = s.duration === undefined ? undefined : s.duration + (running ? elapsed : 0);
    setText(name, sessionLabel(s) || `Session on ${s.tabletId}`, 'session-name');
    setText(id, `${s.tabletId} · ${s.startedAt ? `started ${clock(s.startedAt)}` : `created ${clock(s.createdAt)}`}`, 'session-id muted');
    put('tablet', s.tabletId);
    setText(/** @type {HTMLElement} */ (cells.status.firstChild), s.status, `pill ${statusClass(s.status)}`);
    put('started', s.startedAt ? clock(s.startedAt) : 'not started', 'num');
    put('duration', duration(seconds), 'num');

    // Per-headset status: recording now, and which are offline (live presence from the fleet table).
    const parts = s.deviceIds.map((id) => ({ part: s.deviceStatuses[id], device: state.devices.get(id) }));
    const recording = parts.filter((p) => p.part?.isRecording && p.device?.status !== 'offline').length;
    const offline = parts.filter((p) => p.device?.status === 'offline').length;
    const counts = [`${s.deviceIds.length} headset${s.deviceIds.length === 1 ? '' : 's'}`];
    if (running) counts.push(`${recording} recording`);
    if (offline) counts.push(`${offline} offline`);
    put('headsets', counts.join(', '), offline && running ? 'low' : '');

    const uploaded = parts.filter((p) => p.part?.uploadStatus === 'completed').length;
    const failed = parts.filter((p) => p.part?.uploadStatus === 'failed').length;
    const uploading = parts.filter((p) => p.part?.uploadStatus === 'uploading').length;
    const uploads = `${uploaded} of ${s.deviceIds.length} done${uploading ? `, ${uploading} uploading` : ''}${failed ? `, ${failed} failed` : ''}`;
    put('uploads', uploads, failed ? 'low' : '');
  }
}

/** @param {string} status */
function statusClass(status) {
  if (status === 'recording') return 'pill-error';
  if (status === 'paused' || status === 'uploading') return 'pill-stale';
  if (status === 'completed') return 'pill-online';
  return 'pill-offline';
}
