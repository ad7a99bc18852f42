// @ts-check
import { api } from './api.js';
import { el } from './dom.js';

/** @typedef {import('../../../../src/recordings/schemas').RecordingView} RecordingView */
/** @typedef {import('./api.js').Credential} Credential */

const REFRESH_MS = 15_000;

/**
 * The recordings view (GET /api/recordings): each recording's verdict, the
 * reasons it failed, the decision and tags, filtered by session, verdict and
 * decision. Self-contained: it builds its own card and owns its timer, so the
 * page only mounts it (main.js) and stops it on sign-out.
 * @param {HTMLElement} container
 * @param {Credential} credential
 * @returns {{ stop(): void, refresh(): Promise<void> }}
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
  const table = el('table', { className: 'compact' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        ['Recording', 'Device', 'State', 'Verdict', 'QA', 'Reasons', 'Decision', 'Tags'].map((h) => el('th', { text: h })),
      ),
    ]),
    body,
  ]);
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
      body.replaceChildren(...answer.recordings.map(row));
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
    stop() {
      clearInterval(timer);
      card.remove();
    },
  };
}

/** @param {RecordingView} r */
function row(r) {
  const reasons = el(
    'ul',
    { className: 'reasons' },
    r.reasons.map((reason) => el('li', { text: reason })),
  );
  return el('tr', { data: { recordingId: r.recordingId } }, [
    el('td', { text: r.recordingId.slice(0, 15), title: r.recordingId }),
    el('td', { text: r.deviceId }),
    el('td', { text: r.state }),
    el('td', {}, [
      el('span', {
        text: r.verdict ?? '—',
        className: `pill ${r.verdict === 'pass' ? 'pill-online' : r.verdict === 'fail' ? 'pill-error' : 'pill-offline'}`,
      }),
    ]),
    el('td', { text: r.qaScore === undefined || r.qaScore === null ? '—' : r.qaScore.toFixed(1), className: 'num' }),
    el('td', {}, [reasons]),
    el('td', { text: r.decision ?? 'undecided' }),
    el('td', {
      text: Object.entries(r.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    }),
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
