// @ts-check
/** Display formatting: numbers to short, unit-bearing text. */

/** Below this battery level a device is highlighted (the server's low-battery threshold). */
export const LOW_BATTERY = 0.25;

/** @param {number | undefined} level 0-1 */
export function percent(level) {
  return level === undefined || !Number.isFinite(level) ? '–' : `${Math.round(level * 100)} %`;
}

/** @param {number | undefined} bytes */
export function gigabytes(bytes) {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const gb = bytes / 1024 ** 3;
  return gb >= 100 ? `${Math.round(gb)} GB` : `${gb.toFixed(1)} GB`;
}

/** @param {number} bytes */
export function size(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** @param {number | undefined} seconds */
export function duration(seconds) {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** @param {number} value @param {number} [digits] */
export function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** @param {number} usd */
export function dollars(usd) {
  if (!Number.isFinite(usd)) return '–';
  return usd < 0.01 && usd > 0 ? '< $0.01' : `$${usd.toFixed(2)}`;
}

/** "12 s", "3 min", "2 h 5 min", "4 days": how long ago, in words a glance reads. @param {number} ms */
export function span(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/** "last seen 3 min ago" from an ISO time. @param {string | undefined} iso @param {number} now */
export function ago(iso, now) {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? `${span(now - t)} ago` : 'never';
}

/** Wall-clock time of an ISO string, with the date when it is not today. @param {string | undefined} iso */
export function clock(iso) {
  const t = iso ? new Date(iso) : undefined;
  if (!t || !Number.isFinite(t.getTime())) return '–';
  const today = new Date().toDateString() === t.toDateString();
  return today ? t.toLocaleTimeString() : t.toLocaleString();
}

/** The spec's batteryState: 0 unknown, 1 charging, 2 discharging, 3 not charging, 4 full. @param {number | undefined} state */
export function batteryState(state) {
  return ['state unknown', 'charging', 'discharging', 'not charging', 'full'][state ?? 0] ?? 'state unknown';
}

/** Wi-Fi strength in words beside the dBm figure (colour is never the only signal). @param {number} dbm */
export function wifiQuality(dbm) {
  if (dbm >= -60) return 'strong';
  if (dbm >= -70) return 'good';
  if (dbm >= -75) return 'fair';
  return 'weak';
}

/** Below this a Wi-Fi signal is flagged (matches wifiQuality's "weak"). */
export const WEAK_WIFI_DBM = -75;

/** @param {number | undefined} celsius */
export function celsius(celsius) {
  return celsius === undefined || !Number.isFinite(celsius) ? '–' : `${celsius.toFixed(1)} °C`;
}

/** session_1770388252000_Xy3kP0aB → …Xy3kP0aB (the full ID goes in a tooltip or the detail). @param {string} id */
export function shortId(id) {
  return id.length > 16 ? `…${id.slice(-8)}` : id;
}

/** A session's human name: participant and task from its metadata, when the tablet gave them. @param {{ metadata?: Record<string, unknown> }} s */
export function sessionLabel(s) {
  const m = s.metadata ?? {};
  const parts = [m.participant, m.task].filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
  return parts.join(' · ');
}
