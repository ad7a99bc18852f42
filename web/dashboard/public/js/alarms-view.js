// @ts-check
import { api } from './api.js';
import { el } from './dom.js';

/**
 * Alarms on the dashboard (docs/ALARMS.md): a strip of open alarms, critical
 * first, each with an Acknowledge button, and a badge on each device row
 * with open alarms. Filled from GET /api/alarms, then kept current by the
 * on-alarm-* socket events. It plugs into the page at its seams
 * (docs/DASHBOARD.md): main.js starts it from EXTENSIONS.onStart; each change
 * goes to the fleet state (FleetState.setAlarms: the alarm filter and the
 * device detail read it), and alarmBadge() draws a device row's badge.
 * @typedef {import('../../../../src/protocol').AlarmView} Alarm
 * @typedef {import('./api.js').Credential} Credential
 */

const SEVERITY_ORDER = { critical: 0, warning: 1 };
/** At most this many alarms are drawn in the strip; the rest are counted. */
const MAX_SHOWN = 50;

export class AlarmsView {
  /**
   * @param {HTMLElement} strip where the open alarms are listed
   * @param {Credential} credential
   * @param {(byDevice: Map<string, Alarm[]>) => void} onChange the open alarms by device, after each change
   */
  constructor(strip, credential, onChange) {
    this.strip = strip;
    this.credential = credential;
    this.onChange = onChange;
    /** @type {Map<string, Alarm>} open alarms by ID */
    this.open = new Map();
  }

  /** Loads the open alarms; a failure leaves the strip as it is (the socket events still arrive). */
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
      this.render();
    });
    // What changed while the socket was away is read again on each (re)connection.
    socket.on('connect', () => void this.start());
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
    } catch (err) {
      this.strip.title = `Could not acknowledge: ${/** @type {Error} */ (err).message}`;
    }
  }

  /** Open alarms, critical first, then newest. */
  sorted() {
    return [...this.open.values()].sort(
      (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : 0),
    );
  }

  render() {
    const alarms = this.sorted();
    showCount(alarms);
    const items = alarms.slice(0, MAX_SHOWN).map((alarm) => {
      const ack = el('button', { text: 'Acknowledge', className: 'alarm-ack', data: { alarmId: alarm.alarmId } });
      ack.type = 'button';
      ack.hidden = alarm.state !== 'active';
      ack.addEventListener('click', () => void this.acknowledge(alarm));
      const who = alarm.acknowledgedBy ? ` by ${alarm.acknowledgedBy.id}` : '';
      return el(
        'li',
        { className: `alarm alarm-${alarm.severity}`, data: { alarmId: alarm.alarmId, state: alarm.state }, title: alarm.message },
        [
          el('span', { className: 'alarm-severity', text: alarm.severity }),
          el('span', { className: 'alarm-device', text: alarm.deviceId }),
          el('span', { className: 'alarm-type', text: alarm.type.replaceAll('_', ' ') }),
          el('span', { className: 'alarm-message', text: alarm.count > 1 ? `${alarm.message} (×${alarm.count})` : alarm.message }),
          el('span', { className: 'alarm-state', text: alarm.state === 'acknowledged' ? `acknowledged${who}` : 'active' }),
          ack,
        ],
      );
    });
    const more = alarms.length > MAX_SHOWN ? [el('li', { className: 'muted', text: `and ${alarms.length - MAX_SHOWN} more` })] : [];
    const heading = el('h2', { text: `Open alarms (${alarms.length})` });
    heading.id = 'alarms-title';
    this.strip.replaceChildren(heading, el('ul', { className: 'alarm-list' }, [...items, ...more]));
    this.onChange(this.byDevice());
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
