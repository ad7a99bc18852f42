// @ts-check
import { el, setFacts } from './dom.js';
import { dollars, fixed, percent, size } from './format.js';

/**
 * The summary panels: fleet counts (GET /api/fleet/summary), capture quality
 * (GET /api/qa-metrics) and storage (GET /api/s3-stats). Each renders what
 * the REST answer holds, as text.
 */

/** @param {HTMLElement} container @param {any} summary the `summary` of /api/fleet/summary */
export function renderFleetSummary(container, summary) {
  /** @type {Array<[string, string, string, boolean?]>} */
  const stats = [
    ['online', 'Online', String(summary.onlineDevices - summary.staleDevices)],
    ['stale', 'Stale', String(summary.staleDevices), summary.staleDevices > 0],
    ['offline', 'Offline', String(summary.offlineDevices)],
    ['recording', 'Recording', String(summary.recordingDevices)],
    ['low-battery', 'Low battery', String(summary.lowBatteryDevices), summary.lowBatteryDevices > 0],
    ['locked', 'Locked', String(summary.lockedDevices)],
    [
      'avg-battery',
      'Avg battery',
      summary.avgBatteryLevel === null || summary.avgBatteryLevel === undefined ? '–' : percent(summary.avgBatteryLevel),
    ],
    ['versions', 'App versions', (summary.appVersions ?? []).join(', ') || '–'],
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
      return el('tr', { data: { recording: String(s.sessionId) } }, [
        el('td', { text: String(s.sessionId) }),
        el('td', { text: fixed(score), className: score < 80 ? 'num low' : 'num' }),
        el('td', { text: String(s.status) }),
        el('td', { text: issues.length ? String(issues[0]) : '–', title: issues.join('\n') }),
      ]);
    }),
  );
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
