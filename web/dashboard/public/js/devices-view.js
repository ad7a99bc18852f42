// @ts-check
import { el, setText } from './dom.js';
import { gigabytes, LOW_BATTERY, percent } from './format.js';

/** @typedef {import('./fleet-state.js').DeviceRow} DeviceRow */

const FIELDS = ['status', 'battery', 'storage', 'wifi', 'hands', 'body', 'recording', 'lock', 'app'];

/**
 * The devices table. One row per device, created once and updated in place
 * (cell text and classes only), so the table can follow a fleet's 1 Hz
 * telemetry without rebuilding; a "Watch" button picks the preview.
 */
export class DevicesView {
  /**
   * @param {HTMLTableElement} table
   * @param {HTMLElement} empty shown while there are no devices
   * @param {(deviceId: string) => void} onWatch
   */
  constructor(table, empty, onWatch) {
    this.body = /** @type {HTMLTableSectionElement} */ (table.tBodies[0]);
    this.empty = empty;
    this.onWatch = onWatch;
    /** @type {Map<string, { row: HTMLTableRowElement, cells: Record<string, HTMLTableCellElement>, button: HTMLButtonElement }>} */
    this.rows = new Map();
    /** @type {string | undefined} */
    this.watched = undefined;
  }

  /** @param {DeviceRow[]} devices in display order */
  render(devices) {
    const seen = new Set();
    devices.forEach((device, index) => {
      seen.add(device.deviceId);
      const entry = this.rows.get(device.deviceId) ?? this.createRow(device.deviceId);
      if (this.body.rows[index] !== entry.row) this.body.insertBefore(entry.row, this.body.rows[index] ?? null);
      this.fill(entry, device);
    });
    for (const [id, entry] of this.rows) {
      if (seen.has(id)) continue;
      entry.row.remove();
      this.rows.delete(id);
    }
    this.empty.hidden = devices.length > 0;
  }

  /** @param {string | undefined} deviceId */
  setWatched(deviceId) {
    this.watched = deviceId;
    for (const [id, entry] of this.rows) {
      entry.row.classList.toggle('selected', id === deviceId);
      entry.button.classList.toggle('watching', id === deviceId);
      entry.button.textContent = id === deviceId ? 'Watching' : 'Watch';
    }
  }

  /** @param {string} deviceId */
  createRow(deviceId) {
    /** @type {Record<string, HTMLTableCellElement>} */
    const cells = {};
    const button = el('button', { text: 'Watch', title: `Show ${deviceId}'s live preview` });
    button.type = 'button';
    button.addEventListener('click', () => this.onWatch(deviceId));
    const row = el('tr', { data: { deviceId } }, [el('td', { text: deviceId, className: 'device-id' })]);
    for (const field of FIELDS) {
      cells[field] = el('td', { data: { field } });
      row.append(cells[field]);
    }
    row.append(el('td', {}, [button]));
    const entry = { row, cells, button };
    this.rows.set(deviceId, entry);
    button.classList.toggle('watching', deviceId === this.watched);
    return entry;
  }

  /**
   * @param {{ row: HTMLTableRowElement, cells: Record<string, HTMLTableCellElement> }} entry
   * @param {DeviceRow} d
   */
  fill({ row, cells }, d) {
    const t = d.telemetry;
    row.classList.toggle('offline', d.status === 'offline');
    const status = el('span', { text: d.status, className: `pill pill-${d.status}` });
    if (cells.status.textContent !== d.status) cells.status.replaceChildren(status);

    const battery = t?.batteryLevel;
    const charging = t?.batteryState === 2 ? ' ⚡' : '';
    const low = battery !== undefined && battery < LOW_BATTERY;
    setText(cells.battery, battery === undefined ? '–' : `${percent(battery)}${charging}`, low ? 'num low' : 'num');

    const used = t?.storageUsedBytes;
    const total = t?.storageTotalBytes;
    const storage =
      used === undefined ? '–' : total ? `${gigabytes(used)} / ${gigabytes(total)} (${percent(used / total)})` : gigabytes(used);
    setText(cells.storage, storage, total && used !== undefined && used / total > 0.9 ? 'num low' : 'num');

    setText(
      cells.wifi,
      t?.wifiSignalLevel === undefined ? '–' : `${t.wifiSignalLevel} dBm`,
      t?.wifiSignalLevel !== undefined && t.wifiSignalLevel < -75 ? 'num low' : 'num',
    );

    const hands = t ? [t.leftHandTracked ? 'L' : '', t.rightHandTracked ? 'R' : ''].filter(Boolean).join(' ') || 'none' : '–';
    const confidence = t?.trackingConfidence === undefined ? '' : ` · ${percent(t.trackingConfidence)}`;
    setText(cells.hands, t ? `${hands}${confidence}` : '–', 'num');
    setText(cells.body, t?.bodyTracked === undefined ? '–' : t.bodyTracked ? 'tracked' : 'lost');
    setText(cells.recording, d.isRecording ? '● REC' : '–', d.isRecording ? 'rec' : '');
    setText(cells.lock, d.isLocked ? (d.lockedByTabletId ?? 'locked') : '–');
    setText(cells.app, t?.appVersion ?? '–');
    cells.app.title = t?.appVersion ?? '';
  }
}
