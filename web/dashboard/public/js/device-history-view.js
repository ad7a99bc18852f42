// @ts-check
import { el } from './dom.js';

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
const CHART_HEIGHT = 90;
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
    el('h4', { text: 'Battery and storage' }),
    chart('Battery', battery, 'battery'),
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
 * A line chart of fractions (0..1) over time, drawn as SVG elements (no markup strings).
 * @param {string} title
 * @param {Array<{ at: number, value: number | undefined }>} points
 * @param {string} name
 */
function chart(title, points, name) {
  const known = points.filter((p) => p.value !== undefined);
  const figure = el('figure', { className: 'history-chart', data: { chart: name } });
  const last = known.at(-1);
  figure.append(el('figcaption', { text: last ? `${title}: ${Math.round((last.value ?? 0) * 100)} %` : `${title}: no samples yet` }));
  if (known.length === 0) return figure;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title} over the last 24 hours`);
  const start = known[0].at;
  const span = Math.max(1, (last?.at ?? start) - start);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute(
    'points',
    known
      .map(
        (p) =>
          `${(((p.at - start) / span) * CHART_WIDTH).toFixed(1)},${((1 - Math.min(1, Math.max(0, p.value ?? 0))) * CHART_HEIGHT).toFixed(1)}`,
      )
      .join(' '),
  );
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', 'currentColor');
  line.setAttribute('stroke-width', '2');
  svg.append(line);
  figure.append(svg);
  return figure;
}

/**
 * @param {Entry[]} entries newest first
 * @param {string} name
 */
function entryList(entries, name) {
  if (entries.length === 0) return el('p', { className: 'muted', text: 'Nothing recorded yet.' });
  return el(
    'ol',
    { className: 'timeline', data: { list: name } },
    entries.map((e) =>
      el('li', { data: { kind: e.kind } }, [
        el('time', { text: new Date(e.at).toLocaleString() }),
        ' ',
        el('strong', { text: e.kind }),
        ' ',
        el('span', { className: 'muted', text: describe(e) }),
      ]),
    ),
  );
}

/** @param {Entry} e */
function describe(e) {
  const parts = [];
  if (e.deviceIds.length > 0) parts.push(e.deviceIds.join(', '));
  if (e.actor) parts.push(`by ${e.actor.kind} ${e.actor.id}`);
  if (e.outcome && e.outcome !== 'ok') parts.push(e.outcome);
  for (const [key, value] of Object.entries(e.details ?? {})) parts.push(`${key}: ${String(value)}`);
  return parts.join(' · ');
}
