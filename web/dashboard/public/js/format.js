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
