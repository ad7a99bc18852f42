// @ts-check
import { el } from './dom.js';
import { commandIssuers, sentence } from './timeline-words.js';

/**
 * A headset's history (battery and storage charts from the telemetry history,
 * its timeline) and a capture session's timeline, from the REST API
 * (docs/AUDIT.md). Each render function fills a container it is given, so the
 * view can sit in any panel: main.js plugs them into the device and session
 * detail views as sections.
 *
 * @typedef {(path: string) => Promise<any>} Fetch the page's authenticated GET (api.js)
 * @typedef {{ id: string, at: string, kind: string, deviceIds: string[], sessionId?: string,
 *   actor?: { kind: string, id: string }, outcome?: string, details?: Record<string, unknown> }} Entry
 * @typedef {{ at: string, values: Record<string, number | boolean | null> }} Sample
 */

const SVG = 'http://www.w3.org/2000/svg';
const CHART_WIDTH = 480;
const CHART_HEIGHT = 80;
const ENTRIES = 100;

/**
 * A headset's battery and storage over the last 24 hours, and its latest timeline entries.
 * @param {HTMLElement} container
 * @param {string} deviceId
 * @param {Fetch} api
 */
export async function renderDeviceHistory(container, deviceId, api) {
  const id = encodeURIComponent(deviceId);
  container.replaceChildren(el('p', { className: 'muted', text: `Loading ${deviceId}'s history…` }));
  const [history, timeline] = await Promise.all([
    api(`/api/devices/${id}/telemetry-history`),
    api(`/api/devices/${id}/timeline?limit=${ENTRIES}`),
  ]);
  /** @type {Sample[]} */
  const samples = history.samples ?? [];
  const battery = samples.map((s) => ({ at: Date.parse(s.at), value: num(s.values.batteryLevel) }));
  const storage = samples.map((s) => {
    const used = num(s.values.storageUsedBytes);
    const total = num(s.values.storageTotalBytes);
    return { at: Date.parse(s.at), value: used !== undefined && total ? used / total : undefined };
  });
  container.replaceChildren(
    el('h4', { text: 'Battery and storage, last 24 hours' }),
    chart('Battery level', battery, 'battery'),
    chart('Storage used', storage, 'storage'),
    el('h4', { text: 'Timeline' }),
    entryList(timeline.entries ?? [], 'device-timeline'),
  );
}

/**
 * A capture session's timeline: its transitions and what touched its headsets while it ran.
 * @param {HTMLElement} container
 * @param {string} sessionId
 * @param {Fetch} api
 */
export async function renderSessionTimeline(container, sessionId, api) {
  container.replaceChildren(el('p', { className: 'muted', text: `Loading session ${sessionId}…` }));
  const timeline = await api(`/api/sessions/${encodeURIComponent(sessionId)}/timeline?limit=${ENTRIES}`);
  container.replaceChildren(entryList(timeline.entries ?? [], 'session-timeline'));
}

/** @param {unknown} v */
function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * A line chart of fractions (0..1) over time, drawn as SVG elements (no markup strings), with its axes:
 * 0, 50 and 100 % up the side, the first, middle and last sample's clock time along the bottom.
 * The caption names the series only: the current value is the device page's one figure above.
 * @param {string} title
 * @param {Array<{ at: number, value: number | undefined }>} points
 * @param {string} name
 */
function chart(title, points, name) {
  const known = points.filter((p) => p.value !== undefined);
  const figure = el('figure', { className: 'history-chart', data: { chart: name } });
  figure.append(el('figcaption', { text: known.length ? `${title} (%)` : `${title}: no samples yet` }));
  if (known.length === 0) return figure;
  const start = /** @type {{ at: number }} */ (known[0]).at;
  const end = /** @type {{ at: number }} */ (known.at(-1)).at;
  const span = Math.max(1, end - start);
  const x = (/** @type {number} */ at) => LEFT + ((at - start) / span) * (CHART_WIDTH - LEFT - RIGHT);
  const y = (/** @type {number} */ v) => TOP + (1 - Math.min(1, Math.max(0, v))) * CHART_HEIGHT;
  const svg = svgNode('svg', { viewBox: `0 0 ${CHART_WIDTH} ${TOP + CHART_HEIGHT + BOTTOM}`, role: 'img' });
  svg.setAttribute('aria-label', `${title} from ${hhmm(start)} to ${hhmm(end)}`);
  for (const v of [0, 0.5, 1]) {
    svg.append(svgNode('line', { x1: LEFT, x2: CHART_WIDTH - RIGHT, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(svgNode('text', { x: LEFT - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, `${v * 100}`));
  }
  for (const [at, anchor] of /** @type {Array<[number, string]>} */ ([
    [start, 'start'],
    [start + span / 2, 'middle'],
    [end, 'end'],
  ])) {
    svg.append(svgNode('text', { x: x(at), y: TOP + CHART_HEIGHT + 14, 'text-anchor': anchor, class: 'axis' }, hhmm(at)));
  }
  const line = svgNode('polyline', {
    points: known.map((p) => `${x(p.at).toFixed(1)},${y(p.value ?? 0).toFixed(1)}`).join(' '),
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': 2,
  });
  svg.append(line);
  figure.append(svg);
  return figure;
}

const LEFT = 30;
const RIGHT = 8;
const TOP = 6;
const BOTTOM = 18;

/** @param {number} at */
function hhmm(at) {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The entries in words, newest first, each with its time (the kind stays in a data attribute).
 * @param {Entry[]} entries newest first
 * @param {string} name
 */
function entryList(entries, name) {
  if (entries.length === 0) return el('p', { className: 'muted', text: 'Nothing recorded yet.' });
  const issuers = commandIssuers(entries);
  return el(
    'ol',
    { className: 'timeline', data: { list: name } },
    entries.map((e) =>
      el('li', { data: { kind: e.kind } }, [
        el('time', { text: new Date(e.at).toLocaleString() }),
        ' ',
        el('span', { text: sentence(e, issuers) }),
        ...(name === 'session-timeline' && e.deviceIds.length
          ? [' ', el('span', { className: 'muted', text: e.deviceIds.join(', ') })]
          : []),
      ]),
    ),
  );
}
