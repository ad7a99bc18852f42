import type { NpyArray } from './npy-decode';

/**
 * The NPZ's `metadata` array: one element holding the session's JSON, written
 * by numpy either as an object array (bytes or str) or as fixed-width bytes.
 */

export interface SessionMetadata {
  capture_date?: unknown;
  total_frames?: unknown;
  duration_seconds?: unknown;
  device_id?: unknown;
  app_version?: unknown;
  success?: unknown;
  /** capture_date as epoch ms when it is valid ISO 8601; undefined otherwise. */
  captureDateMs?: number;
}

/** Frame rates a real capture can have; outside this the duration or frame count is wrong. */
const MIN_FPS = 1;
const MAX_FPS = 240;

/**
 * Returns undefined when the array fails the integrity check (missing, wrong
 * shape or dtype); `value` is undefined when the array is fine but its JSON is not.
 */
export function decodeMetadata(array: NpyArray | undefined, issues: string[]): { value?: SessionMetadata } | undefined {
  if (!array) {
    issues.push('array metadata is missing');
    return undefined;
  }
  if (array.kind === 'float' || array.kind === 'bool') {
    issues.push(`array metadata has dtype ${array.descr}, expected bytes or str`);
    return undefined;
  }
  if (array.shape.length !== 1 || array.shape[0] !== 1) {
    issues.push(`array metadata has shape (${array.shape.join(', ')}), expected (1,)`);
    return undefined;
  }
  const item = array.data[0]!;
  let parsed: unknown;
  // A BOM is kept (and then fails JSON.parse), as Python's json.loads fails on one: both readers agree.
  try {
    const text = typeof item === 'string' ? item : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(item);
    parsed = JSON.parse(text);
  } catch {
    issues.push('metadata is not UTF-8 JSON');
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    issues.push('metadata JSON is not an object');
    return {};
  }
  const value = parsed as SessionMetadata;
  return { value: { ...value, captureDateMs: parseIsoDate(value.capture_date) } };
}

/** timestampConsistency: a valid past capture_date, a positive duration and a plausible frame rate. */
export function checkTimestamps(m: SessionMetadata, now: Date, issues: string[]): boolean {
  let ok = true;
  if (m.captureDateMs === undefined) {
    issues.push('metadata capture_date is not an ISO 8601 date-time');
    ok = false;
  } else if (m.captureDateMs > now.getTime()) {
    issues.push('metadata capture_date is in the future');
    ok = false;
  }
  const duration = m.duration_seconds;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) {
    issues.push('metadata duration_seconds is not a positive number');
    return false;
  }
  if (typeof m.total_frames !== 'number' || !Number.isFinite(m.total_frames)) {
    issues.push('metadata total_frames is not a number');
    return false;
  }
  const fps = m.total_frames / duration;
  if (fps < MIN_FPS || fps > MAX_FPS) {
    issues.push(`total_frames / duration_seconds is ${fps.toFixed(2)} frames per second, outside ${MIN_FPS}-${MAX_FPS}`);
    ok = false;
  }
  return ok;
}

// Date and time with seconds, optional fraction, optional zone (no zone means UTC).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):(\d{2}))?$/;

/** Epoch ms of a strict ISO 8601 date-time, or undefined when it is not one (Date.parse is far too lenient). */
function parseIsoDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const zone = m[8];
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second) + fraction;
  const sign = zone?.startsWith('-') ? -1 : 1;
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}
