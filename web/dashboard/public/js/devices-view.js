// @ts-check
import { el, setText } from './dom.js';
import { ago, gigabytes, LOW_BATTERY, percent, sessionLabel, shortId, span, WEAK_WIFI_DBM, wifiQuality } from './format.js';
import { freeBytes } from './fleet-query.js';

/**
 * @typedef {import('./fleet-state.js').DeviceRow} DeviceRow
 * @typedef {import('./fleet-state.js').FleetState} FleetState
 * @typedef {import('./fleet-query.js').DeviceGroup} DeviceGroup
 * @typedef {{ row: HTMLTableRowElement, cells: Record<string, HTMLTableCellElement>, name: HTMLElement, badges: HTMLElement,
 *   seen: HTMLElement, watch: HTMLButtonElement }} RowEntry
 * @typedef {{ onWatch: (deviceId: string) => void, onDetails: (deviceId: string) => void, onSort: (key: string) => void,
 *   decorate?: (badges: HTMLElement, device: DeviceRow) => void }} DevicesViewOptions
 */

/**
 * The columns, in order. `priority` decides which collapse first on a narrow
 * screen (CSS container queries hide p3, then p2, then p1; p0 always shows): what they
 * hold is always in the device detail.
 */
export const COLUMNS = [
  { key: 'device', label: 'Device', priority: 0 },
  { key: 'status', label: 'Status', priority: 0 },
  { key: 'battery', label: 'Battery', priority: 0 },
  { key: 'recording', label: 'Recording', priority: 0 },
  { key: 'wifi', label: 'Wi-Fi', priority: 1 },
  { key: 'tablet', label: 'Tablet', priority: 1 },
  { key: 'session', label: 'Session', priority: 1 },
  { key: 'storage', label: 'Storage', priority: 2 },
  { key: 'tracking', label: 'Tracking', priority: 3 },
  { key: 'app', label: 'App', priority: 2 },
];

/** @type {Record<string, number>} */
const PRIORITY = Object.fromEntries(COLUMNS.map((c) => [c.key, c.priority]));

/**
 * The fleet table. One row per device, created once and updated in place
 * (cell text and classes only), so it follows a 200-headset fleet's 1 Hz
 * telemetry without rebuilding; rows move only when the order changes.
 */
export class DevicesView {
  /** @param {HTMLTableElement} table @param {HTMLElement} empty @param {DevicesViewOptions} options */
  constructor(table, empty, options) {
    this.table = table;
    this.body = /** @type {HTMLTableSectionElement} */ (table.tBodies[0]);
    this.empty = empty;
    this.options = options;
    /** @type {Map<string, RowEntry>} */
    this.rows = new Map();
    /** @type {Map<string, { row: HTMLTableRowElement, cell: HTMLTableCellElement }>} */
    this.groupRows = new Map();
    /** @type {Set<string>} the headsets on the preview wall */
    this.watched = new Set();
    /** @type {Record<string, HTMLTableCellElement>} */
    this.headers = {};
    this.buildHead();
  }

  buildHead() {
    const row = el('tr');
    for (const c of COLUMNS) {
      const button = el('button', { text: c.label, className: 'sort', data: { sort: c.key }, title: `Sort by ${c.label.toLowerCase()}` });
      button.type = 'button';
      button.addEventListener('click', () => this.options.onSort(c.key));
      const th = el('th', { className: `p${c.priority}${c.key === 'device' ? ' sticky-start' : ''}`, data: { col: c.key } }, [button]);
      th.scope = 'col';
      this.headers[c.key] = th;
      row.append(th);
    }
    const actions = el('th', { text: 'Actions', className: 'p0 sticky-end', data: { col: 'actions' } });
    actions.scope = 'col';
    row.append(actions);
    const head = this.table.tHead ?? this.table.createTHead();
    head.replaceChildren(row);
  }

  /** Marks the sorted column (aria-sort is what a screen reader announces). @param {string} key @param {'asc' | 'desc'} dir */
  setSort(key, dir) {
    for (const [k, th] of Object.entries(this.headers)) {
      if (k === key) th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
  }

  /** @param {DeviceGroup[]} groups @param {FleetState} state @param {number} now */
  render(groups, state, now) {
    /** @type {HTMLTableRowElement[]} */
    const order = [];
    const seen = new Set();
    const seenGroups = new Set();
    for (const group of groups) {
      if (group.label) {
        const g = this.groupRow(group.key);
        seenGroups.add(group.key);
        const offline = group.devices.filter((d) => d.status === 'offline').length;
        const recording = group.devices.filter((d) => d.isRecording).length;
        const counts = [`${group.devices.length} headset${group.devices.length === 1 ? '' : 's'}`];
        if (recording) counts.push(`${recording} recording`);
        if (offline) counts.push(`${offline} offline`);
        setText(g.cell, `${group.label} · ${counts.join(', ')}`, 'group-head');
        order.push(g.row);
      }
      for (const device of group.devices) {
        seen.add(device.deviceId);
        const entry = this.rows.get(device.deviceId) ?? this.createRow(device.deviceId);
        this.fill(entry, device, state, now);
        order.push(entry.row);
      }
    }
    for (const [id, entry] of this.rows) {
      if (seen.has(id)) continue;
      entry.row.remove();
      // Filtered out rows are kept for when the filter changes; devices gone from the fleet are not.
      if (!state.devices.has(id)) this.rows.delete(id);
    }
    for (const [key, g] of this.groupRows) {
      if (seenGroups.has(key)) continue;
      g.row.remove();
      this.groupRows.delete(key);
    }
    const current = this.body.rows;
    if (current.length !== order.length || order.some((row, i) => current[i] !== row)) this.body.replaceChildren(...order);
    this.empty.hidden = order.length > 0;
  }

  /** @param {string} key */
  groupRow(key) {
    let g = this.groupRows.get(key);
    if (!g) {
      const cell = el('th', { className: 'group-head' });
      cell.scope = 'colgroup';
      cell.colSpan = COLUMNS.length + 1;
      g = { row: el('tr', { className: 'group-row', data: { group: key } }, [cell]), cell };
      this.groupRows.set(key, g);
    }
    return g;
  }

  /** @param {Iterable<string>} deviceIds the headsets on the preview wall */
  setWatched(deviceIds) {
    this.watched = new Set(deviceIds);
    for (const [id, entry] of this.rows) this.showWatch(entry, id);
  }

  /** @param {RowEntry} entry @param {string} id */
  showWatch(entry, id) {
    const on = this.watched.has(id);
    entry.row.classList.toggle('selected', on);
    entry.watch.classList.toggle('watching', on);
    setText(entry.watch, on ? 'Stop' : 'Watch', on ? 'watch watching' : 'watch');
    entry.watch.setAttribute('aria-pressed', String(on));
    // The accessible name starts with the visible word (Watch / Stop), as speech control users say it.
    entry.watch.setAttribute('aria-label', `${on ? 'Stop' : 'Watch'} ${id} live preview`);
  }

  /** @param {string} deviceId @returns {RowEntry} */
  createRow(deviceId) {
    /** @type {Record<string, HTMLTableCellElement>} */
    const cells = {};
    const name = el('span', { className: 'device-name' });
    const badges = el('span', { className: 'device-badges', data: { slot: 'badges' } });
    const seen = el('span', { className: 'seen', data: { field: 'seen' } });
    const watch = el('button', { text: 'Watch', className: 'watch' });
    watch.type = 'button';
    watch.setAttribute('aria-label', `Watch ${deviceId} live preview`);
    watch.addEventListener('click', () => this.options.onWatch(deviceId));
    const details = el('button', { text: 'Details', className: 'details' });
    details.type = 'button';
    details.setAttribute('aria-label', `Details of ${deviceId}`);
    details.addEventListener('click', () => this.options.onDetails(deviceId));

    const row = el('tr', { data: { deviceId } });
    for (const c of COLUMNS) {
      cells[c.key] = el('td', { data: { field: c.key }, className: `p${c.priority}` });
      row.append(cells[c.key]);
    }
    cells.device.classList.add('sticky-start');
    cells.device.append(el('span', { className: 'device-line' }, [el('span', { text: deviceId, className: 'device-id' }), badges]), name);
    cells.status.append(el('span', { className: 'pill' }), seen);
    row.append(el('td', { className: 'p0 sticky-end actions', data: { field: 'actions' } }, [details, watch]));
    const entry = { row, cells, name, badges, seen, watch };
    this.rows.set(deviceId, entry);
    this.showWatch(entry, deviceId);
    return entry;
  }

  /** @param {RowEntry} entry @param {DeviceRow} d @param {FleetState} state @param {number} now */
  fill(entry, d, state, now) {
    const { row, cells } = entry;
    /** A cell's text and state class; its priority class (which collapses it on narrow screens) stays. @type {(key: string, text: string, className?: string) => void} */
    const put = (key, text, className = '') => setText(cells[key], text, `p${PRIORITY[key]}${className ? ` ${className}` : ''}`);
    const t = d.telemetry;
    const offline = d.status === 'offline';
    row.classList.toggle('offline', offline);
    row.classList.toggle('stale', d.status === 'stale');

    const custom = t?.customName && t.customName !== d.deviceId ? t.customName : '';
    setText(entry.name, custom, 'device-name');
    this.options.decorate?.(entry.badges, d);

    setText(/** @type {HTMLElement} */ (cells.status.firstChild), d.status, `pill pill-${d.status}`);
    // Offline: when it was last heard from; stale: how long it has been silent.
    setText(
      entry.seen,
      offline ? `last seen ${ago(d.lastSeen, now)}` : d.status === 'stale' ? `silent ${span(now - Date.parse(d.lastSeen))}` : '',
      'seen',
    );

    const battery = t?.batteryLevel;
    const low = !offline && battery !== undefined && battery < LOW_BATTERY;
    const charging = t?.batteryState === 1 ? ' charging' : '';
    put('battery', battery === undefined ? '–' : `${percent(battery)}${low ? ' low' : ''}${charging}`, low ? 'num low' : 'num');

    put('recording', d.isRecording ? '● REC' : offline ? '–' : 'idle', d.isRecording ? 'rec' : 'muted');

    const wifi = t?.wifiSignalLevel;
    const weak = wifi !== undefined && wifi < WEAK_WIFI_DBM;
    put('wifi', wifi === undefined ? '–' : `${wifi} dBm ${wifiQuality(wifi)}`, weak && !offline ? 'num low' : 'num');

    put('tablet', d.lockedByTabletId ?? '–');
    const session = state.sessionOf.get(d.deviceId);
    put('session', session ? sessionLabel(session) || shortId(session.sessionId) : '–');
    cells.session.title = session?.sessionId ?? '';

    const free = freeBytes(d);
    put(
      'storage',
      free === undefined ? '–' : `${gigabytes(free)} free`,
      free !== undefined && t?.storageTotalBytes && free / t.storageTotalBytes < 0.1 ? 'num low' : 'num',
    );

    put('tracking', trackingText(d));
    put('app', t?.appVersion ?? '–');
    cells.app.title = t?.appVersion ?? '';

    // No live preview from a headset that is not connected.
    entry.watch.disabled = offline && !this.watched.has(d.deviceId);
    entry.watch.title = entry.watch.disabled ? `${d.deviceId} is offline: no live preview` : '';
  }
}

/** "2 hands · body", "left hand · no body": tracking in words. @param {DeviceRow} d */
export function trackingText(d) {
  const t = d.telemetry;
  if (!t || (t.leftHandTracked === undefined && t.rightHandTracked === undefined && t.bodyTracked === undefined)) return '–';
  const hands =
    t.leftHandTracked && t.rightHandTracked ? '2 hands' : t.leftHandTracked ? 'left hand' : t.rightHandTracked ? 'right hand' : 'no hands';
  return t.bodyTracked === undefined ? hands : `${hands} · ${t.bodyTracked ? 'body' : 'no body'}`;
}
