// @ts-check
import { api } from './api.js';
import { el } from './dom.js';
import { button, selectInput, textInput } from './form-controls.js';
import { alarmGroups, alarmRow } from './alarm-rows.js';

/**
 * The Alarms view (docs/ALARMS.md, docs/DASHBOARD.md): open alarms, critical
 * first, each with when it was raised and how long ago, how often it was seen,
 * whether it escalated, and Acknowledge; the history (cleared alarms) with the
 * same filters; "Acknowledge all shown" for the current filter; grouping by
 * type in collapsible sections. The open alarms also feed the header's count,
 * the fleet's alarm filter and each row's badge (onChange, alarmBadge). Kept
 * current by the on-alarm-* socket events; the history is asked for
 * (GET /api/alarms) when the view opens or a filter changes.
 * @typedef {import('../../../../src/protocol').AlarmView} Alarm
 * @typedef {import('./api.js').Credential} Credential
 */

const SEVERITY_ORDER = { critical: 0, warning: 1 };
/** The newest this many of the history are listed (the API pages further). */
const HISTORY_LIMIT = 200;
const TYPES = [
  'battery_low_recording',
  'battery_critical',
  'storage_low',
  'overheating',
  'tracking_lost',
  'offline_while_locked',
  'upload_stalled',
  'recording_rejected',
  'command_unconfirmed',
  'clock_unsynced',
  'start_spread',
];
const FILTERS = /** @type {const} */ (['state', 'severity', 'type', 'device', 'group']);

export class AlarmsView {
  /**
   * @param {HTMLElement} card the view's card
   * @param {Credential} credential
   * @param {(byDevice: Map<string, Alarm[]>) => void} onChange the open alarms by device, after each change
   * @param {(params: URLSearchParams) => void} [setSearch] the view's filters changed (its URL)
   */
  constructor(card, credential, onChange, setSearch) {
    this.card = card;
    this.credential = credential;
    this.onChange = onChange;
    this.setSearch = setSearch;
    /** @type {Map<string, Alarm>} open alarms by ID */
    this.open = new Map();
    /** @type {Alarm[]} the history the filter asked for (state other than open) */
    this.history = [];
    /** @type {Array<[HTMLElement, string]>} age cells and the time they count from */
    this.ages = [];
    this.inputs = {
      state: selectInput('alarms-state', 'Which alarms', [
        ['', 'Open now'],
        ['cleared', 'History: cleared'],
        ['all', 'Open and cleared'],
      ]),
      severity: selectInput('alarms-severity', 'Filter alarms by severity', [
        ['', 'Any severity'],
        ['critical', 'Critical'],
        ['warning', 'Warning'],
      ]),
      type: selectInput('alarms-type', 'Filter alarms by type', [
        ['', 'Any type'],
        ...TYPES.map((t) => /** @type {[string, string]} */ ([t, words(t)])),
      ]),
      device: textInput('alarms-device', 'Filter alarms by headset ID', 'headset ID'),
      group: selectInput('alarms-group', 'Group alarms', [
        ['', 'One list'],
        ['type', 'Grouped by type (collapsible)'],
      ]),
    };
    for (const input of Object.values(this.inputs)) input.addEventListener('change', () => this.filtersChanged());
    const heading = el('h2', { text: 'Alarms' });
    heading.id = 'alarms-title';
    this.count = el('span', { className: 'muted' });
    heading.append(' ', this.count);
    this.status = el('p', { className: 'status' });
    this.status.setAttribute('role', 'status');
    this.list = el('div', { className: 'alarm-list-wrap' });
    const form = el('form', { className: 'controls' }, [
      ...Object.values(this.inputs),
      button('Acknowledge all shown', () => void this.acknowledgeShown(), { className: 'ack-all' }),
    ]);
    form.setAttribute('role', 'search');
    form.setAttribute('aria-label', 'Filter alarms');
    form.addEventListener('submit', (e) => e.preventDefault());
    card.replaceChildren(
      el('div', { className: 'card-head' }, [heading, el('span', { className: 'stale-mark', data: { staleMark: '' } })]),
      form,
      this.status,
      this.list,
    );
    /** @type {HTMLElement} */ (card.querySelector('[data-stale-mark]')).hidden = true;
  }

  /** Loads the open alarms; a failure leaves what is shown (the socket events still arrive). */
  async start() {
    try {
      const body = await api('/api/alarms?state=open&limit=500', this.credential);
      this.open.clear();
      for (const alarm of /** @type {Alarm[]} */ (body.alarms)) this.open.set(alarm.alarmId, alarm);
    } catch {
      // Shown as it arrives over the socket instead.
    }
    this.render();
  }

  /** @param {import('./live.js').DashboardSocket} socket */
  bind(socket) {
    socket.on('on-alarm-raised', (alarm) => this.upsert(alarm));
    socket.on('on-alarm-updated', (alarm) => this.upsert(alarm));
    socket.on('on-alarm-cleared', (alarm) => {
      this.open.delete(alarm.alarmId);
      if (this.showsHistory()) this.history = [alarm, ...this.history.filter((a) => a.alarmId !== alarm.alarmId)];
      this.render();
    });
    // What changed while the socket was away is read again on each (re)connection.
    socket.on('connect', () => void this.start());
  }

  /** The URL's filters (the view opened, or back/forward). @param {string} search */
  show(search) {
    const p = new URLSearchParams(search);
    for (const key of FILTERS) {
      const input = this.inputs[key];
      input.value = (p.get(key) ?? '').slice(0, 64);
      if (input instanceof HTMLSelectElement && input.selectedIndex < 0) input.value = '';
    }
    void this.loadHistory();
  }

  filtersChanged() {
    const p = new URLSearchParams();
    for (const key of FILTERS) if (this.inputs[key].value.trim()) p.set(key, this.inputs[key].value.trim());
    this.setSearch?.(p);
    void this.loadHistory();
  }

  showsHistory() {
    return this.inputs.state.value !== '';
  }

  async loadHistory() {
    if (!this.showsHistory()) {
      this.history = [];
      return this.render();
    }
    const q = new URLSearchParams({ state: 'cleared', limit: String(HISTORY_LIMIT) });
    if (this.inputs.severity.value) q.set('severity', this.inputs.severity.value);
    if (this.inputs.type.value) q.set('type', this.inputs.type.value);
    const device = this.inputs.device.value.trim();
    if (/^[A-Za-z0-9_-]{1,64}$/.test(device)) q.set('deviceId', device);
    try {
      this.history = (await api(`/api/alarms?${q.toString()}`, this.credential)).alarms;
      this.status.textContent = this.history.length >= HISTORY_LIMIT ? `The newest ${HISTORY_LIMIT} cleared alarms are shown.` : '';
    } catch (err) {
      this.status.textContent = `Could not load the history: ${/** @type {Error} */ (err).message}`;
    }
    this.render();
  }

  /** @param {Alarm} alarm */
  upsert(alarm) {
    if (alarm.state === 'cleared') this.open.delete(alarm.alarmId);
    else this.open.set(alarm.alarmId, alarm);
    this.render();
  }

  /** @param {Alarm} alarm */
  async acknowledge(alarm) {
    try {
      const body = await api(`/api/alarms/${encodeURIComponent(alarm.alarmId)}/ack`, this.credential, { method: 'POST' });
      this.upsert(/** @type {Alarm} */ (body.alarm));
      return true;
    } catch (err) {
      this.status.textContent = `Could not acknowledge: ${/** @type {Error} */ (err).message}`;
      return false;
    }
  }

  /** Acknowledges every active alarm the current filter shows. */
  async acknowledgeShown() {
    const targets = this.shown().filter((a) => a.state === 'active');
    if (!targets.length) return void (this.status.textContent = 'Nothing to acknowledge: no active alarm is shown.');
    let done = 0;
    for (const alarm of targets) if (await this.acknowledge(alarm)) done++;
    this.status.textContent = `Acknowledged ${done} of ${targets.length} alarm${targets.length === 1 ? '' : 's'}.`;
  }

  /** Open alarms, critical first, then newest. */
  sorted() {
    return [...this.open.values()].sort(
      (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : 0),
    );
  }

  /** What the filter shows: the open alarms (or none, for the history alone), then the history. */
  shown() {
    const f = this.inputs;
    const device = f.device.value.trim().toLowerCase();
    const open = f.state.value === 'cleared' ? [] : this.sorted();
    return [...open, ...this.history].filter(
      (a) =>
        (!f.severity.value || a.severity === f.severity.value) &&
        (!f.type.value || a.type === f.type.value) &&
        (!device || a.deviceId.toLowerCase().includes(device)),
    );
  }

  render() {
    const open = this.sorted();
    showCount(open);
    const shown = this.shown();
    this.count.textContent = `(${open.length} open${this.showsHistory() ? `, ${shown.length} shown` : ''})`;
    this.ages = [];
    const row = (/** @type {Alarm} */ a) => alarmRow(a, { onAck: (x) => void this.acknowledge(x), ages: this.ages });
    // Grouped sections keep their open/closed state across redraws.
    const expanded = new Set([...this.list.querySelectorAll('details[open]')].map((d) => /** @type {HTMLElement} */ (d).dataset.type));
    this.list.replaceChildren(
      shown.length === 0
        ? el('p', { className: 'muted', text: this.showsHistory() ? 'No alarms match.' : 'No open alarms.' })
        : this.inputs.group.value === 'type'
          ? alarmGroups(shown, row, expanded)
          : el('ul', { className: 'alarm-list' }, shown.map(row)),
    );
    this.tick();
    this.onChange(this.byDevice());
  }

  /** Every second: the ages move. */
  tick() {
    const now = Date.now();
    for (const [node, since] of this.ages) {
      const text = ageText(now - Date.parse(since));
      if (node.textContent !== text) node.textContent = text;
    }
  }

  /** @returns {Map<string, Alarm[]>} */
  byDevice() {
    /** @type {Map<string, Alarm[]>} */
    const byDevice = new Map();
    for (const alarm of this.open.values()) {
      const list = byDevice.get(alarm.deviceId);
      if (list) list.push(alarm);
      else byDevice.set(alarm.deviceId, [alarm]);
    }
    return byDevice;
  }
}

/** "12 s ago", "3 min ago", "2 h 5 min ago". @param {number} ms */
function ageText(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min ago`;
}

/** "overheating" → "Overheating"; "battery_low_recording" → "Battery low recording". @param {string} type */
export function words(type) {
  const text = type.replaceAll('_', ' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}

/**
 * A device row's badge: how many alarms it has open, critical in red, in words
 * too (colour is never the only signal). Called on every redraw of the row.
 * @param {HTMLElement} badges the row's badge slot
 * @param {import('./fleet-state.js').DeviceRow} device
 */
export function alarmBadge(badges, device) {
  const alarms = device.alarms ?? [];
  let badge = /** @type {HTMLElement | null} */ (badges.querySelector('.alarm-badge'));
  if (alarms.length === 0) {
    badge?.remove();
    return;
  }
  if (!badge) badges.append((badge = el('span')));
  const critical = alarms.some((a) => a.severity === 'critical');
  badge.className = `alarm-badge ${critical ? 'alarm-badge-critical' : 'alarm-badge-warning'}`;
  const text = `${alarms.length} alarm${alarms.length === 1 ? '' : 's'}${critical ? ' (critical)' : ''}`;
  if (badge.textContent !== text) badge.textContent = text;
  badge.title = text;
}

/** The header's open-alarm count, coloured by the worst open severity (and said in its title). @param {Alarm[]} open */
function showCount(open) {
  const count = document.getElementById('alarm-count');
  if (!count) return;
  const worst = open.some((a) => a.severity === 'critical') ? 'critical' : open.length ? 'warning' : 'none';
  count.textContent = String(open.length);
  count.dataset.severity = worst;
  count.title = open.length ? `${open.length} open alarm${open.length === 1 ? '' : 's'}, worst ${worst}` : 'no open alarms';
}
