// @ts-check
import { LOW_BATTERY, sessionLabel } from './format.js';

/**
 * The fleet table's view: search, filters, grouping and sort, read from and
 * written to the page's URL (so a view can be bookmarked and shared), and
 * applied to the fleet. Pure functions: no DOM here.
 *
 * @typedef {import('./fleet-state.js').DeviceRow} DeviceRow
 * @typedef {import('./fleet-state.js').FleetState} FleetState
 * @typedef {{ q: string, status: string, tablet: string, session: string, app: string, alarm: string,
 *   group: string, sort: string, dir: 'asc' | 'desc' }} FleetQuery
 * @typedef {{ key: string, label: string, devices: DeviceRow[] }} DeviceGroup
 */

/** "none" in the tablet and session filters: devices without one. */
export const NONE = '-';
export const STATUS_FILTERS = ['online', 'stale', 'offline', 'recording', 'low-battery'];
export const GROUPS = ['tablet', 'session'];

/** @type {FleetQuery} */
export const DEFAULT_QUERY = { q: '', status: '', tablet: '', session: '', app: '', alarm: '', group: '', sort: 'device', dir: 'asc' };

const STATUS_RANK = { online: 0, stale: 1, offline: 2 };

/**
 * Sort keys, one per sortable column: the value a device sorts by
 * (undefined sorts last in both directions).
 * @type {Record<string, (d: DeviceRow, state: FleetState) => string | number | undefined>}
 */
export const SORT_KEYS = {
  device: (d) => d.deviceId,
  status: (d) => STATUS_RANK[d.status],
  battery: (d) => d.telemetry?.batteryLevel,
  storage: (d) => freeBytes(d),
  wifi: (d) => d.telemetry?.wifiSignalLevel,
  tracking: (d) => d.telemetry?.trackingConfidence,
  recording: (d) => (d.isRecording ? 0 : 1),
  tablet: (d) => d.lockedByTabletId,
  session: (d, state) => sessionKey(d, state),
  app: (d) => d.telemetry?.appVersion,
  seen: (d) => Date.parse(d.lastSeen),
};

/** @param {DeviceRow} d */
export function freeBytes(d) {
  const t = d.telemetry;
  return t?.storageTotalBytes !== undefined && t.storageUsedBytes !== undefined ? t.storageTotalBytes - t.storageUsedBytes : undefined;
}

/** @param {DeviceRow} d @param {FleetState} state */
function sessionKey(d, state) {
  const s = state.sessionOf.get(d.deviceId);
  return s ? sessionLabel(s) || s.sessionId : undefined;
}

/** Untrusted (a pasted URL): each field is checked, anything odd falls back to the default. @param {string} search */
export function parseQuery(search) {
  const p = new URLSearchParams(search);
  /** @param {string} name @param {(v: string) => boolean} ok */
  const pick = (name, ok) => {
    const v = p.get(name) ?? '';
    return v.length <= 100 && ok(v) ? v : /** @type {any} */ (DEFAULT_QUERY)[name];
  };
  const text = () => true;
  return /** @type {FleetQuery} */ ({
    q: pick('q', text),
    status: pick('status', (v) => v === '' || STATUS_FILTERS.includes(v)),
    tablet: pick('tablet', text),
    session: pick('session', text),
    app: pick('app', text),
    alarm: pick('alarm', (v) => ['', 'yes', 'no'].includes(v)),
    group: pick('group', (v) => v === '' || GROUPS.includes(v)),
    sort: pick('sort', (v) => Object.hasOwn(SORT_KEYS, v)),
    dir: pick('dir', (v) => v === 'asc' || v === 'desc'),
  });
}

/**
 * The query as URL parameters, defaults left out so a plain view has a plain
 * URL. Other parameters already in the URL (the open detail) are kept.
 * @param {FleetQuery} query @param {string} currentSearch
 */
export function queryToSearch(query, currentSearch) {
  const p = new URLSearchParams(currentSearch);
  for (const [key, value] of Object.entries(query)) {
    if (value === /** @type {any} */ (DEFAULT_QUERY)[key]) p.delete(key);
    else p.set(key, value);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** @param {DeviceRow} d @param {FleetQuery} query @param {FleetState} state */
export function matches(d, query, state) {
  const t = d.telemetry;
  if (query.q) {
    const needle = query.q.toLowerCase();
    const names = [d.deviceId, t?.customName, t?.deviceName];
    if (!names.some((n) => n?.toLowerCase().includes(needle))) return false;
  }
  if (query.status === 'recording' && !d.isRecording) return false;
  if (query.status === 'low-battery' && !(d.status !== 'offline' && t?.batteryLevel !== undefined && t.batteryLevel < LOW_BATTERY))
    return false;
  if (['online', 'stale', 'offline'].includes(query.status) && d.status !== query.status) return false;
  if (query.tablet && (d.lockedByTabletId ?? NONE) !== query.tablet) return false;
  if (query.session && (state.sessionOf.get(d.deviceId)?.sessionId ?? NONE) !== query.session) return false;
  if (query.app && t?.appVersion !== query.app) return false;
  const alarmed = (d.alarms?.length ?? 0) > 0;
  if (query.alarm === 'yes' && !alarmed) return false;
  if (query.alarm === 'no' && alarmed) return false;
  return true;
}

/**
 * The devices to show, filtered and sorted, in groups (one unnamed group when
 * not grouping). Ties sort by device ID so rows never jump between refreshes.
 * @param {FleetState} state @param {FleetQuery} query @returns {DeviceGroup[]}
 */
export function applyQuery(state, query) {
  const key = SORT_KEYS[query.sort] ?? SORT_KEYS.device;
  const sign = query.dir === 'desc' ? -1 : 1;
  const byId = (/** @type {DeviceRow} */ a, /** @type {DeviceRow} */ b) =>
    a.deviceId.localeCompare(b.deviceId, undefined, { numeric: true });
  const rows = state
    .all()
    .filter((d) => matches(d, query, state))
    .map((d) => ({ d, v: key(d, state) }))
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) return a.v === b.v ? byId(a.d, b.d) : a.v === undefined ? 1 : -1;
      const c = typeof a.v === 'string' && typeof b.v === 'string' ? a.v.localeCompare(b.v, undefined, { numeric: true }) : +a.v - +b.v;
      return c !== 0 ? c * sign : byId(a.d, b.d);
    })
    .map((r) => r.d);
  if (!query.group) return [{ key: '', label: '', devices: rows }];
  /** @type {Map<string, DeviceGroup>} */
  const groups = new Map();
  for (const d of rows) {
    const [gKey, label] = groupOf(d, query.group, state);
    const group = groups.get(gKey) ?? { key: gKey, label, devices: [] };
    group.devices.push(d);
    groups.set(gKey, group);
  }
  // Named groups in name order, "no tablet"/"no session" last.
  return [...groups.values()].sort((a, b) =>
    a.key === NONE ? 1 : b.key === NONE ? -1 : a.label.localeCompare(b.label, undefined, { numeric: true }),
  );
}

/** @param {DeviceRow} d @param {string} group @param {FleetState} state @returns {[string, string]} */
function groupOf(d, group, state) {
  if (group === 'tablet') return d.lockedByTabletId ? [d.lockedByTabletId, `Tablet ${d.lockedByTabletId}`] : [NONE, 'No tablet'];
  const s = state.sessionOf.get(d.deviceId);
  if (!s) return [NONE, 'No active session'];
  const name = sessionLabel(s);
  return [s.sessionId, `Session ${name ? `${name} (${s.tabletId})` : s.sessionId}`];
}
