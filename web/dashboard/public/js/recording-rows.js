// @ts-check
import { el } from './dom.js';
import { clock } from './format.js';

/**
 * Recording rows for people: when and which headset instead of the raw
 * `20261207_194420_H01` ID (kept in the row's title and data attribute), the
 * verdict in words and colour, the reasons a take failed, and (in the
 * recordings view) the decision, tags and note with the actions on them.
 * @typedef {import('../../../../src/recordings/schemas').RecordingView} RecordingView
 * @typedef {{ key: string, label: string, value: (r: RecordingView) => string | number }} SortColumn
 */

/** The columns the recordings view sorts by, with the value each compares. @type {SortColumn[]} */
export const SORT_COLUMNS = [
  { key: 'time', label: 'Recorded', value: (r) => r.startedAt ?? r.createdAt },
  { key: 'headset', label: 'Headset', value: (r) => r.deviceId },
  { key: 'state', label: 'State', value: (r) => r.state },
  { key: 'verdict', label: 'Verdict', value: (r) => r.verdict ?? '' },
  { key: 'qa', label: 'QA', value: (r) => r.qaScore ?? -1 },
  { key: 'decision', label: 'Decision', value: (r) => r.decision ?? '' },
];

/** A page of recordings in a column's order; ties by time, newest first. @param {RecordingView[]} list @param {string} key @param {'asc' | 'desc'} dir */
export function sortRecordings(list, key, dir) {
  const column = SORT_COLUMNS.find((c) => c.key === key) ?? SORT_COLUMNS[0];
  const time = /** @type {SortColumn} */ (SORT_COLUMNS[0]);
  const sign = dir === 'asc' ? 1 : -1;
  const compare = (/** @type {string | number} */ a, /** @type {string | number} */ b) => (a < b ? -1 : a > b ? 1 : 0);
  return [...list].sort(
    (a, b) =>
      sign * compare(/** @type {SortColumn} */ (column).value(a), /** @type {SortColumn} */ (column).value(b)) ||
      compare(time.value(b), time.value(a)),
  );
}

/** "14:30:52" today, else the date and time: when the take started. @param {RecordingView} r */
export function recordedAt(r) {
  return clock(r.startedAt ?? r.createdAt);
}

/** @param {RecordingView} r */
export function verdictPill(r) {
  return el('span', {
    text: r.verdict ?? 'not checked yet',
    className: `pill ${r.verdict === 'pass' ? 'pill-online' : r.verdict === 'fail' ? 'pill-error' : 'pill-offline'}`,
  });
}

/** @param {RecordingView} r */
export function reasonsList(r) {
  return el(
    'ul',
    { className: 'reasons' },
    r.reasons.map((reason) => el('li', { text: reason })),
  );
}

/** "scene=kitchen, take=2" @param {Record<string, string>} tags */
export function tagsText(tags) {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * "scene=kitchen, take=2" back to tags; "scene=" removes that tag. Undefined when a part is not name=value.
 * @param {string} text @returns {Record<string, string> | undefined}
 */
export function parseTags(text) {
  /** @type {Record<string, string>} */
  const tags = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const at = item.indexOf('=');
    if (at < 1) return undefined;
    const key = item.slice(0, at).trim();
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(key)) return undefined;
    tags[key] = item
      .slice(at + 1)
      .trim()
      .slice(0, 200);
  }
  return tags;
}

/** A row of a session's recordings (the session dialog): no curation there. @param {RecordingView} r */
export function sessionRecordingRow(r) {
  return el('tr', { data: { recordingId: r.recordingId } }, [
    el('td', { text: recordedAt(r), title: r.recordingId, data: { field: 'recorded' } }),
    el('td', { text: r.deviceId, data: { field: 'headset' } }),
    el('td', { text: r.state, data: { field: 'state' } }),
    el('td', {}, [verdictPill(r)]),
    el('td', { text: r.qaScore === undefined || r.qaScore === null ? '—' : r.qaScore.toFixed(1), className: 'num' }),
    el('td', { data: { field: 'reasons' } }, [reasonsList(r)]),
  ]);
}
