// @ts-check
import { api } from './api.js';
import { el } from './dom.js';

/** @typedef {import('../../../../src/recordings/schemas').RecordingView} RecordingView */
/** @typedef {import('./api.js').Credential} Credential */
/** @typedef {{ stop(): void, refresh(): Promise<void>, showSession(sessionId: string): void }} RecordingsView */

const REFRESH_MS = 15_000;
/** The session view's list waits for verdicts that come within seconds of the uploads. */
const SESSION_REFRESH_MS = 5_000;

/**
 * The recordings view (GET /api/recordings): each recording's verdict, the
 * reasons it failed, the decision and tags, filtered by session, verdict and
 * decision. Self-contained: it builds its own card and owns its timer, so the
 * page only mounts it (main.js) and stops it on sign-out.
 * @param {HTMLElement} container
 * @param {Credential} credential
 * @returns {RecordingsView}
 */
export function startRecordingsView(container, credential) {
  const session = el('input', { className: 'filter' });
  session.placeholder = 'session ID';
  session.id = 'recordings-session';
  session.setAttribute('aria-label', 'Filter recordings by session ID');
  const verdict = select('recordings-verdict', ['', 'pass', 'fail'], 'any verdict');
  const decision = select('recordings-decision', ['', 'keep', 'discard', 'none'], 'any decision');
  verdict.setAttribute('aria-label', 'Filter recordings by verdict');
  decision.setAttribute('aria-label', 'Filter recordings by decision');
  const body = el('tbody');
  const table = recordingsTable(body, CURATION_COLUMNS);
  table.id = 'recordings';
  const error = el('p', { className: 'error' });
  const empty = el('p', { className: 'muted', text: 'No recordings match.' });
  const card = el('section', { className: 'card recordings' }, [
    el('h2', { text: 'Recordings' }),
    el('div', { className: 'filters' }, [session, verdict, decision]),
    table,
    empty,
    error,
  ]);
  container.append(card);

  async function refresh() {
    const query = new URLSearchParams({ limit: '50' });
    if (/^[A-Za-z0-9_.-]{1,100}$/.test(session.value.trim())) query.set('sessionId', session.value.trim());
    if (verdict.value) query.set('verdict', verdict.value);
    if (decision.value) query.set('decision', decision.value);
    try {
      /** @type {{ recordings: RecordingView[] }} */
      const answer = await api(`/api/recordings?${query.toString()}`, credential);
      body.replaceChildren(...answer.recordings.map((r) => row(r, true)));
      empty.hidden = answer.recordings.length > 0;
      error.textContent = '';
    } catch (err) {
      error.textContent = `Recordings: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  for (const input of [session, verdict, decision]) input.addEventListener('change', () => void refresh());
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  return {
    refresh,
    /** The session view's link: this card filtered to one session, in sight. */
    showSession(sessionId) {
      session.value = sessionId;
      verdict.value = '';
      decision.value = '';
      void refresh();
      card.scrollIntoView({ block: 'start' });
    },
    stop() {
      clearInterval(timer);
      card.remove();
    },
  };
}

/**
 * A session's recordings, as a section of the session detail view: each
 * recording with its headset, state, verdict and reasons, and a link to the
 * recordings card filtered to the session. Verdicts arrive seconds after the
 * uploads, so it asks again every SESSION_REFRESH_MS while the view is open.
 * @param {HTMLElement} container
 * @param {string} sessionId
 * @param {(path: string) => Promise<any>} fetchJson the page's authenticated GET
 * @param {(sessionId: string) => void} showAll opens the recordings card filtered to this session
 * @returns {() => void} stops the refresh (the view closed)
 */
export function renderSessionRecordings(container, sessionId, fetchJson, showAll) {
  const body = el('tbody');
  // Curation happens in the card (the link): the narrow dialog keeps room for the reasons.
  const table = recordingsTable(body, []);
  const empty = el('p', { className: 'muted', text: 'No recordings from this session yet.' });
  const error = el('p', { className: 'error' });
  const link = el('button', { className: 'link', text: 'Show in the recordings list (curate, export)' });
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
      body.replaceChildren(...answer.recordings.map((r) => row(r, false)));
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

const CURATION_COLUMNS = ['Decision', 'Tags'];

/** @param {HTMLElement} body @param {string[]} extraColumns */
function recordingsTable(body, extraColumns) {
  return el('table', { className: 'compact recordings-table' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        ['Recording', 'Headset', 'State', 'Verdict', 'QA', 'Reasons', ...extraColumns].map((h) => el('th', { text: h })),
      ),
    ]),
    body,
  ]);
}

/** @param {RecordingView} r @param {boolean} curation with the decision and tags columns */
function row(r, curation) {
  const reasons = el(
    'ul',
    { className: 'reasons' },
    r.reasons.map((reason) => el('li', { text: reason })),
  );
  return el('tr', { data: { recordingId: r.recordingId } }, [
    el('td', { text: r.recordingId.slice(0, 15), title: r.recordingId }),
    el('td', { text: r.deviceId, data: { field: 'headset' } }),
    el('td', { text: r.state, data: { field: 'state' } }),
    el('td', {}, [
      el('span', {
        text: r.verdict ?? '—',
        className: `pill ${r.verdict === 'pass' ? 'pill-online' : r.verdict === 'fail' ? 'pill-error' : 'pill-offline'}`,
      }),
    ]),
    el('td', { text: r.qaScore === undefined || r.qaScore === null ? '—' : r.qaScore.toFixed(1), className: 'num' }),
    el('td', { data: { field: 'reasons' } }, [reasons]),
    ...(curation
      ? [
          el('td', { text: r.decision ?? 'undecided' }),
          el('td', {
            text: Object.entries(r.tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(', '),
          }),
        ]
      : []),
  ]);
}

/** @param {string} id @param {string[]} values @param {string} anyLabel */
function select(id, values, anyLabel) {
  const node = el(
    'select',
    { className: 'filter' },
    values.map((v) => {
      const option = el('option', { text: v || anyLabel });
      option.value = v;
      return option;
    }),
  );
  node.id = id;
  return node;
}
