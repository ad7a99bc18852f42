// @ts-check
import { el } from './dom.js';
import { sessionRecordingRow } from './recording-rows.js';

/** @typedef {import('./recording-rows.js').RecordingView} RecordingView */

/** The session view's list waits for verdicts that come within seconds of the uploads. */
const SESSION_REFRESH_MS = 5_000;

/**
 * A session's recordings, as a section of the session detail view: each
 * recording with its time, headset, state, verdict and reasons, and a link to
 * the Recordings view filtered to the session (where they are curated and
 * exported). Verdicts arrive seconds after the uploads, so it asks again
 * every SESSION_REFRESH_MS while the view is open.
 * @param {HTMLElement} container
 * @param {string} sessionId
 * @param {(path: string) => Promise<any>} fetchJson the page's authenticated GET
 * @param {(sessionId: string) => void} showAll opens the Recordings view filtered to this session
 * @returns {() => void} stops the refresh (the view closed)
 */
export function renderSessionRecordings(container, sessionId, fetchJson, showAll) {
  const body = el('tbody');
  const table = el('table', { className: 'compact recordings-table' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        ['Recorded', 'Headset', 'State', 'Verdict', 'QA', 'Reasons'].map((h) => el('th', { text: h })),
      ),
    ]),
    body,
  ]);
  const empty = el('p', { className: 'muted', text: 'No recordings from this session yet.' });
  const error = el('p', { className: 'error' });
  const link = el('button', { className: 'link', text: 'Open in Recordings (keep, discard, tag, export)' });
  link.type = 'button';
  link.dataset.action = 'show-session-recordings';
  link.addEventListener('click', () => {
    container.closest('dialog')?.close();
    showAll(sessionId);
  });
  table.hidden = true;
  container.replaceChildren(el('p', { className: 'muted', text: 'Loading recordings…' }));
  let shown = false;
  const query = new URLSearchParams({ sessionId, limit: '50' });
  async function refresh() {
    try {
      /** @type {{ recordings: RecordingView[] }} */
      const answer = await fetchJson(`/api/recordings?${query.toString()}`);
      body.replaceChildren(...answer.recordings.map(sessionRecordingRow));
      table.hidden = answer.recordings.length === 0;
      empty.hidden = answer.recordings.length > 0;
      error.textContent = '';
    } catch (err) {
      error.textContent = `Could not load the recordings: ${err instanceof Error ? err.message : String(err)}`;
      // Not "no recordings" when the list could not be asked for; rows already shown stay.
      if (!shown) empty.hidden = true;
    }
    if (!shown) container.replaceChildren(el('div', { className: 'table-wrap' }, [table]), empty, link, error);
    shown = true;
  }
  void refresh();
  const timer = setInterval(() => void refresh(), SESSION_REFRESH_MS);
  return () => clearInterval(timer);
}
