// @ts-check
import { el, setFacts } from './dom.js';
import { dollars, fixed, percent, size } from './format.js';

/**
 * The summary panels: fleet counts (GET /api/fleet/summary), capture quality
 * (GET /api/qa-metrics) and storage (GET /api/s3-stats). Each renders what
 * the REST answer holds, as text.
 */

/**
 * Fleet counts, from the page's own fleet state (so they agree with the table
 * and follow it live). Battery figures count online headsets only.
 * @param {HTMLElement} container @param {import('./fleet-state.js').FleetSummary} summary
 */
export function renderFleetSummary(container, summary) {
  /** @type {Array<[string, string, string, boolean?]>} */
  const stats = [
    ['online', 'Online', String(summary.online)],
    ['stale', 'Stale', String(summary.stale), summary.stale > 0],
    ['offline', 'Offline', String(summary.offline)],
    ['recording', 'Recording', String(summary.recording)],
    ['low-battery', 'Low battery', String(summary.lowBattery), summary.lowBattery > 0],
    ['locked', 'Held by tablets', String(summary.locked)],
    ['avg-battery', 'Avg battery', summary.avgBattery === undefined ? '–' : percent(summary.avgBattery)],
    ['versions', 'Apps', summary.appVersions.join(', ') || '–'],
  ];
  container.replaceChildren(
    ...stats.map(([name, label, value, alert]) =>
      el('div', { className: `stat${alert ? ' alert' : ''}${value.length > 8 ? ' long' : ''}`, data: { stat: name } }, [
        el('div', { className: 'stat-value', text: value }),
        el('div', { className: 'stat-label', text: label }),
      ]),
    ),
  );
}

/** How many recordings the QA panel lists. */
const QA_ROWS = 6;

/** @param {HTMLElement} list @param {HTMLTableElement} table @param {any} qa the /api/qa-metrics answer */
export function renderQa(list, table, qa) {
  const stats = qa.aggregateStats ?? {};
  const sessions = Array.isArray(qa.sessions) ? qa.sessions : [];
  setFacts(list, [
    ['Recordings', String(qa.overview?.totalSessions ?? 0), 'qa-total'],
    ['Complete (MP4 + NPZ)', String(qa.overview?.completeSessions ?? 0), 'qa-complete'],
    ['Avg capture quality', fixed(stats.avgCaptureQuality), 'qa-capture'],
    ['Avg tracking confidence', fixed(stats.avgTrackingConfidence), 'qa-tracking'],
    ['Avg validation', fixed(stats.avgValidationScore), 'qa-validation'],
    ['Below 80 (re-record?)', String(stats.sessionsWithIssues ?? 0), 'qa-issues'],
  ]);
  const body = /** @type {HTMLTableSectionElement} */ (table.tBodies[0]);
  body.replaceChildren(
    ...sessions.slice(0, QA_ROWS).map((/** @type {any} */ s) => {
      const score = Number(s.overallQualityScore);
      const issues = Array.isArray(s.issues) ? s.issues : [];
      const [when, headset] = recordingName(String(s.sessionId));
      return el('tr', { data: { recording: String(s.sessionId) } }, [
        el('td', { title: String(s.sessionId) }, [
          el('span', { text: headset, className: 'device-id' }),
          el('span', { text: when, className: 'muted' }),
        ]),
        el('td', { text: fixed(score), className: score < 80 ? 'num low' : 'num' }),
        el('td', { text: String(s.status) }),
        el('td', { text: issues.length ? String(issues[0]) : '–', title: issues.join('\n') }),
      ]);
    }),
  );
}

/**
 * A recording folder named for people: `20260201_143005_SIM_H01` is headset
 * SIM_H01 at 14:30:05 on 1 Feb; the spec's `20260201_143005` names no headset.
 * @param {string} folder @returns {[string, string]} when, headset
 */
export function recordingName(folder) {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:_(.+))?$/.exec(folder);
  if (!m) return ['', folder];
  const when = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  return [when, m[7] ?? 'headset not in folder name'];
}

/** @param {HTMLElement} list @param {any} stats the /api/s3-stats answer */
export function renderStorage(list, stats) {
  const overview = stats.overview ?? {};
  const sessions = stats.sessions ?? {};
  const costs = stats.costs ?? {};
  const byType = stats.byType ?? {};
  setFacts(list, [
    ['Files', String(overview.totalFiles ?? 0), 'storage-files'],
    ['Total size', size(Number(overview.totalSizeBytes ?? 0)), 'storage-size'],
    ['Videos (mp4)', `${byType.mp4?.count ?? 0} · ${size((byType.mp4?.sizeGB ?? 0) * 1024 ** 3)}`],
    ['Tracking data (npz)', `${byType.npz?.count ?? 0} · ${size((byType.npz?.sizeGB ?? 0) * 1024 ** 3)}`],
    ['Recordings', `${sessions.total ?? 0} (${sessions.complete ?? 0} complete)`, 'storage-sessions'],
    ['Monthly cost (S3 Standard)', dollars(Number(costs.currentMonthly ?? 0)), 'storage-cost'],
    ['…with Deep Archive', dollars(Number(costs.glacierDeepArchive ?? 0))],
    ['Listed', overview.lastUpdated ? new Date(overview.lastUpdated).toLocaleTimeString() : '–'],
  ]);
}
