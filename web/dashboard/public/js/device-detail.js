// @ts-check
import { el } from './dom.js';
import { DetailDialog } from './detail-dialog.js';
import { ago, batteryState, celsius, clock, gigabytes, percent, sessionLabel, span, wifiQuality } from './format.js';
import { trackingText } from './devices-view.js';
import { DeviceActions } from './device-actions.js';

/**
 * @typedef {import('./fleet-state.js').FleetState} FleetState
 * @typedef {import('./fleet-state.js').DeviceRow} DeviceRow
 * @typedef {import('./detail-dialog.js').DetailSection} DetailSection
 * @typedef {import('./detail-dialog.js').DetailContext} DetailContext
 */

/**
 * Everything known about one headset, units spelled out: what the table's
 * narrow columns leave out (temperatures, SSID, dropped frames, versions...).
 * Sections other features add (issue 20's history) come after the facts.
 */
export class DeviceDetailView extends DetailDialog {
  /**
   * @param {HTMLElement} dialog the device page
   * @param {{ sections: DetailSection[], context: DetailContext, onClose: () => void,
   *   onWatch: (deviceId: string) => void, onSession: (sessionId: string) => void }} options
   */
  constructor(dialog, options) {
    super(dialog, options);
    /** The session the Open button leads to. @type {string | undefined} */
    this.sessionId = undefined;
    // Made once and updated in place: the facts above them redraw every second, these keep the keyboard focus.
    this.watchButton = el('button', { text: 'Watch live preview', className: 'watch' });
    this.watchButton.type = 'button';
    this.watchButton.addEventListener('click', () => this.id && options.onWatch(this.id));
    this.sessionButton = el('button', { text: 'Open its session' });
    this.sessionButton.type = 'button';
    this.sessionButton.addEventListener('click', () => this.sessionId && options.onSession(this.sessionId));
    this.actions = new DeviceActions(options.context);
    this.sectionsNode.before(
      el('div', { className: 'detail-actions' }, [this.watchButton, this.sessionButton, ...this.actions.nodes()]),
      this.actions.status,
    );
  }

  /** @param {FleetState} state @param {number} now @param {Set<string>} watched the headsets on the preview wall */
  update(state, now, watched) {
    if (!this.id) return;
    const d = state.devices.get(this.id);
    if (!d) {
      this.showActions(undefined, undefined, watched);
      this.draw(`Headset ${this.id}`, [{ heading: 'Status', facts: [['Status', 'not known to the server (yet)']] }]);
      return;
    }
    const t = d.telemetry;
    const session = state.sessionOf.get(d.deviceId);
    const offline = d.status === 'offline';
    const lastKnown = offline ? ' (last known)' : '';
    const used = t?.storageUsedBytes;
    const total = t?.storageTotalBytes;
    const frames = t?.frameCount;
    const dropped = t?.droppedFrames;
    /** @type {(v: string | number | undefined) => string} */
    const text = (v) => (v === undefined || v === '' ? '–' : String(v));
    /** @type {(v: boolean | undefined, yes: string, no: string) => string} */
    const yesNo = (v, yes, no) => (v === undefined ? '–' : v ? yes : no);

    this.draw(d.name ? `${d.name} (headset ${d.deviceId})` : `Headset ${d.deviceId}`, [
      {
        heading: 'Status',
        facts: [
          ['Status', d.status, 'status'],
          ['Last heard from', `${clock(d.lastSeen)} (${ago(d.lastSeen, now)})`, 'last-seen'],
          ['Name', text(t?.customName ?? t?.deviceName)],
          ['Recording', d.isRecording ? 'yes, recording now' : 'no'],
          ['Held by tablet', d.isLocked ? `${d.lockedByTabletId ?? 'a tablet'}${d.lockedAt ? ` since ${clock(d.lockedAt)}` : ''}` : 'none'],
          ['Session', session ? `${sessionLabel(session) || session.sessionId} (${session.status})` : 'none active', 'session'],
          ['Alarms', alarmsText(d), 'alarms'],
        ],
      },
      {
        heading: `Power and storage${lastKnown}`,
        facts: [
          ['Battery level', percent(t?.batteryLevel), 'battery'],
          ['Battery state', t?.batteryState === undefined ? '–' : batteryState(t.batteryState), 'battery-state'],
          [
            'Storage used',
            used === undefined ? '–' : `${gigabytes(used)}${total ? ` of ${gigabytes(total)} (${percent(used / total)})` : ''}`,
            'storage-used',
          ],
          ['Storage free', used !== undefined && total ? gigabytes(total - used) : '–', 'storage-free'],
          [
            'Memory used',
            t?.memoryUsedMB === undefined
              ? '–'
              : `${Math.round(t.memoryUsedMB)} MB${t.memoryTotalMB ? ` of ${Math.round(t.memoryTotalMB)} MB` : ''}`,
          ],
          ['CPU temperature', celsius(t?.cpuTemperature), 'cpu-temp'],
          ['GPU temperature', celsius(t?.gpuTemperature), 'gpu-temp'],
        ],
      },
      {
        heading: `Network and tracking${lastKnown}`,
        facts: [
          ['Wi-Fi signal', t?.wifiSignalLevel === undefined ? '–' : `${t.wifiSignalLevel} dBm (${wifiQuality(t.wifiSignalLevel)})`, 'wifi'],
          ['Wi-Fi network (SSID)', text(t?.wifiSSID), 'ssid'],
          ['Left hand', yesNo(t?.leftHandTracked, 'tracked', 'not tracked')],
          ['Right hand', yesNo(t?.rightHandTracked, 'tracked', 'not tracked')],
          ['Body', yesNo(t?.bodyTracked, 'tracked', 'not tracked')],
          ['Tracking', trackingText(d)],
          ['Tracking confidence', percent(t?.trackingConfidence), 'confidence'],
        ],
      },
      {
        heading: `Capture and software${lastKnown}`,
        facts: [
          ['Recording time (this session)', t?.sessionDuration === undefined ? '–' : span(t.sessionDuration * 1000)],
          ['Productive time', t?.productiveTime === undefined ? '–' : span(t.productiveTime * 1000)],
          ['Frames captured', text(frames), 'frames'],
          [
            'Dropped frames',
            dropped === undefined ? '–' : `${dropped}${frames ? ` (${percent(dropped / (frames + dropped))})` : ''}`,
            'dropped',
          ],
          ['App version', text(t?.appVersion), 'app'],
          ['OS version', text(t?.osVersion), 'os'],
          ['SDK version', text(t?.sdkVersion), 'sdk'],
          ['Telemetry sent at', t?.timestamp ? clock(new Date(t.timestamp).toISOString()) : '–'],
        ],
      },
    ]);
    this.showActions(d, session?.sessionId, watched);
  }

  /** @param {DeviceRow | undefined} d @param {string | undefined} sessionId @param {Set<string>} watched */
  showActions(d, sessionId, watched) {
    const watching = !!d && watched.has(d.deviceId);
    const text = watching ? 'Stop watching' : 'Watch live preview';
    if (this.watchButton.textContent !== text) this.watchButton.textContent = text;
    this.watchButton.disabled = !d || (d.status === 'offline' && !watching);
    this.watchButton.title = d && this.watchButton.disabled ? `${d.deviceId} is offline: no live preview` : '';
    this.sessionId = sessionId;
    this.sessionButton.hidden = !sessionId;
    this.actions.update(d);
  }
}

/** @param {DeviceRow} d */
function alarmsText(d) {
  if (!d.alarms) return 'not reported';
  if (d.alarms.length === 0) return 'none active';
  return d.alarms.map((a) => (a.message ? `${a.type}: ${a.message}` : a.type)).join('; ');
}
