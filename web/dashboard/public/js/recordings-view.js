// @ts-check
import { api, download } from './api.js';
import { el } from './dom.js';
import { button, selectInput, showSort, sortHeader, textInput } from './form-controls.js';
import { sessionLabel } from './format.js';
import { datasetRequest, editRow } from './recording-edit.js';
import { parseTags, reasonsList, recordedAt, SORT_COLUMNS, sortRecordings, tagsText, verdictPill } from './recording-rows.js';

/**
 * @typedef {import('./recording-rows.js').RecordingView} RecordingView
 * @typedef {import('./api.js').Credential} Credential
 * @typedef {{ stop(): void, refresh(): Promise<void>, showSession(sessionId: string): void }} RecordingsView
 * @typedef {{ credential: Credential, state: import('./fleet-state.js').FleetState,
 *   setSearch: (params: URLSearchParams) => void, onDataset: (name: string) => void }} RecordingsDeps
 */

const REFRESH_MS = 15_000;
/** Rows per page: the choices, and the default. */
const PAGE_SIZES = ['10', '25', '50', '100'];
const PAGE_SIZE = '25';
/** A discard waits this long for an Undo before it goes to the server. */
const UNDO_MS = 5_000;
/** The filters kept in the view's URL, with the control each is shown in. */
const FILTERS = /** @type {const} */ (['session', 'device', 'verdict', 'decision', 'tag']);

/**
 * The Recordings view (GET /api/recordings, PATCH /api/recordings/:id, GET
 * /api/recordings/export, POST /api/datasets): every take, a page at a time
 * through the whole list, its time and headset in words, sortable by column
 * within the page; filters by session, headset, verdict, decision and tag,
 * kept in the URL; keep or discard (a discard can be undone for UNDO_MS),
 * outcome, tags and note per take or for a selection; export of the current
 * filter as JSON lines or CSV; a dataset built from it.
 * @param {HTMLElement} container
 * @param {RecordingsDeps} deps
 * @returns {RecordingsView & { show(search: string): void }}
 */
export function startRecordingsView(container, deps) {
  const { credential } = deps;
  const inputs = {
    session: textInput('recordings-session', 'Filter recordings by session ID', 'session ID'),
    device: textInput('recordings-device', 'Filter recordings by headset ID', 'headset ID'),
    verdict: selectInput('recordings-verdict', 'Filter recordings by verdict', [
      ['', 'Any verdict'],
      ['pass', 'Passed'],
      ['fail', 'Failed'],
    ]),
    decision: selectInput('recordings-decision', 'Filter recordings by decision', [
      ['', 'Any decision'],
      ['keep', 'Kept'],
      ['discard', 'Discarded'],
      ['none', 'Undecided'],
    ]),
    tag: textInput('recordings-tag', 'Filter recordings by tag (name:value)', 'tag name:value'),
  };
  let sort = { key: 'time', dir: /** @type {'asc' | 'desc'} */ ('desc') };
  /** Cursors of the pages before this one (undefined: the first page), and the next page's. */
  /** @type {Array<string | undefined>} */
  let cursors = [undefined];
  /** @type {string | undefined} */
  let nextCursor;
  /** @type {RecordingView[]} */
  let page = [];
  const selected = new Set();
  /** Discards waiting for their Undo. @type {Map<string, ReturnType<typeof setTimeout>>} */
  const pending = new Map();

  const head = el('tr', {}, [
    el('th', {}, [selectAllBox()]),
    ...SORT_COLUMNS.map((c) => sortHeader(c.key, c.label, (key) => setSort(key))),
    el('th', { text: 'Reasons', className: 'p1' }),
    el('th', { text: 'Tags · note', className: 'p2' }),
    el('th', { text: 'Actions' }),
  ]);
  const body = el('tbody');
  const table = el('table', { className: 'compact recordings-table' }, [el('thead', {}, [head]), body]);
  table.id = 'recordings';
  const count = el('span', { className: 'muted' });
  const status = el('p', { className: 'status', data: {} });
  status.setAttribute('role', 'status');
  const error = el('p', { className: 'error' });
  const empty = el('p', { className: 'muted', text: 'No recordings match.' });
  const previous = button('← Newer', () => turn(-1), { label: 'Newer recordings (previous page)' });
  const next = button('Older →', () => turn(1), { label: 'Older recordings (next page)' });
  const pageLabel = el('span', { className: 'muted' });
  const size = selectInput(
    'recordings-size',
    'Recordings per page',
    PAGE_SIZES.map((n) => [n, `${n} a page`]),
  );
  size.value = PAGE_SIZE;
  const bulkTags = textInput('recordings-bulk-tags', 'Tags for the selected recordings (name=value, ...)', 'name=value, …');
  const datasetName = textInput('recordings-dataset-name', 'Name of a dataset built from this filter', 'dataset name');
  const form = el('form', { className: 'controls' }, [
    ...Object.values(inputs),
    button('Clear', () => {
      for (const input of Object.values(inputs)) input.value = '';
      filtersChanged();
    }),
  ]);
  form.setAttribute('role', 'search');
  form.setAttribute('aria-label', 'Filter recordings');
  form.addEventListener('submit', (e) => e.preventDefault());
  const card = el('section', { className: 'card recordings data' }, [
    el('div', { className: 'card-head' }, [
      el('h2', { text: 'Recordings ' }, [count]),
      el('span', { className: 'toolbar' }, [
        button('Export CSV', () => void exportAs('csv'), { label: 'Export CSV of the recordings this filter shows' }),
        button('Export JSON lines', () => void exportAs('jsonl'), { label: 'Export JSON lines of the recordings this filter shows' }),
      ]),
    ]),
    form,
    el('div', { className: 'controls bulk' }, [
      el('span', { className: 'muted', text: 'Selected:' }),
      button('Keep', () => void bulk({ decision: 'keep' }), { label: 'Keep the selected recordings' }),
      button('Discard', () => discard([...selected]), { label: 'Discard the selected recordings' }),
      bulkTags,
      button('Tag', () => bulkTag(), { label: 'Tag the selected recordings with these tags' }),
      el('span', { className: 'spacer' }),
      datasetName,
      button('Build a dataset from these', () => void buildDataset()),
    ]),
    status,
    el('div', { className: 'table-wrap' }, [table]),
    empty,
    el('nav', { className: 'pager', title: 'Pages go from the newest recording to the oldest' }, [previous, pageLabel, next, size]),
    error,
  ]);
  card.setAttribute('aria-labelledby', 'recordings-title');
  /** @type {HTMLElement} */ (card.querySelector('h2')).id = 'recordings-title';
  container.append(card);

  function selectAllBox() {
    const box = el('input');
    box.type = 'checkbox';
    box.id = 'recordings-select-all';
    box.setAttribute('aria-label', 'Select every recording on this page');
    box.addEventListener('change', () => {
      for (const r of page) {
        if (box.checked) selected.add(r.recordingId);
        else selected.delete(r.recordingId);
      }
      draw();
    });
    return box;
  }

  /** The filters as the URL and the API take them. */
  function params() {
    const p = new URLSearchParams();
    for (const key of FILTERS) {
      const value = inputs[key].value.trim();
      if (value) p.set(key, value);
    }
    if (sort.key !== 'time' || sort.dir !== 'desc') {
      p.set('sort', sort.key);
      p.set('dir', sort.dir);
    }
    if (size.value !== PAGE_SIZE) p.set('size', size.value);
    return p;
  }

  /** The API's query: only well-formed filters go (the server refuses the rest with 400 invalid). */
  function apiQuery() {
    const p = new URLSearchParams();
    const session = inputs.session.value.trim();
    const device = inputs.device.value.trim();
    const tag = inputs.tag.value.trim();
    if (/^[A-Za-z0-9_.-]{1,100}$/.test(session)) p.set('sessionId', session);
    if (/^[A-Za-z0-9_-]{1,64}$/.test(device)) p.set('deviceId', device);
    if (inputs.verdict.value) p.set('verdict', inputs.verdict.value);
    if (inputs.decision.value) p.set('decision', inputs.decision.value);
    if (/^[A-Za-z0-9_.-]{1,40}:.{0,200}$/.test(tag)) p.set('tag', tag);
    return p;
  }

  function filtersChanged() {
    cursors = [undefined];
    selected.clear();
    deps.setSearch(params());
    void refresh();
  }

  /** @param {string} key */
  function setSort(key) {
    sort = key === sort.key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'time' ? 'desc' : 'asc' };
    deps.setSearch(params());
    draw();
  }

  /** @param {number} step */
  function turn(step) {
    if (step > 0 && nextCursor) cursors.push(nextCursor);
    else if (step < 0 && cursors.length > 1) cursors.pop();
    else return;
    selected.clear();
    void refresh();
  }

  async function refresh() {
    const query = apiQuery();
    query.set('limit', size.value);
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set('cursor', cursor);
    try {
      /** @type {{ recordings: RecordingView[], nextCursor?: string }} */
      const answer = await api(`/api/recordings?${query.toString()}`, credential);
      page = answer.recordings;
      nextCursor = answer.nextCursor;
      error.textContent = '';
    } catch (err) {
      error.textContent = `Recordings: ${err instanceof Error ? err.message : String(err)}`;
    }
    draw();
  }

  function draw() {
    showSort(head, sort.key, sort.dir);
    body.replaceChildren(...sortRecordings(page, sort.key, sort.dir).map(row));
    empty.hidden = page.length > 0;
    count.textContent = `(page ${cursors.length}, ${page.length} shown)`;
    pageLabel.textContent = `Page ${cursors.length}`;
    previous.disabled = cursors.length <= 1;
    next.disabled = !nextCursor;
  }

  /** @param {RecordingView} r */
  function row(r) {
    const box = el('input');
    box.type = 'checkbox';
    box.checked = selected.has(r.recordingId);
    box.setAttribute('aria-label', `Select the recording of ${r.deviceId} at ${recordedAt(r)}`);
    box.addEventListener('change', () => {
      if (box.checked) selected.add(r.recordingId);
      else selected.delete(r.recordingId);
    });
    const session = r.sessionId ? deps.state.sessions.get(r.sessionId) : undefined;
    const waiting = pending.has(r.recordingId);
    const decision = waiting ? 'discarding…' : r.decision === 'keep' ? 'kept' : r.decision === 'discard' ? 'discarded' : 'undecided';
    return el('tr', { data: { recordingId: r.recordingId }, className: r.decision === 'discard' ? 'discarded' : '' }, [
      el('td', {}, [box]),
      el('td', { title: r.recordingId, data: { field: 'recorded' } }, [
        el('span', { text: recordedAt(r) }),
        el('span', {
          className: 'muted session-of',
          text: session ? sessionLabel(session) || 'session' : r.sessionId ? 'a session' : 'no session',
        }),
      ]),
      el('td', { text: r.deviceId, data: { field: 'headset' } }),
      el('td', { text: r.state, data: { field: 'state' } }),
      el('td', {}, [verdictPill(r)]),
      el('td', { text: r.qaScore === undefined || r.qaScore === null ? '—' : r.qaScore.toFixed(1), className: 'num' }),
      el('td', { text: `${decision}${r.outcome ? ` (${r.outcome})` : ''}`, data: { field: 'decision' } }),
      el('td', { className: 'p1', data: { field: 'reasons' } }, [reasonsList(r)]),
      el('td', { className: 'p2', data: { field: 'tags' }, text: [tagsText(r.tags), r.note].filter(Boolean).join(' · ') }),
      el('td', { className: 'actions' }, actions(r, waiting)),
    ]);
  }

  /** @param {RecordingView} r @param {boolean} waiting */
  function actions(r, waiting) {
    const who = `the recording of ${r.deviceId} at ${recordedAt(r)}`;
    if (waiting) return [button('Undo', () => undo([r.recordingId]), { label: `Undo the discard of ${who}`, className: 'undo' })];
    return [
      button('Keep', () => void patch(r.recordingId, { decision: 'keep' }), { label: `Keep ${who}`, className: 'keep' }),
      button('Discard', () => discard([r.recordingId]), { label: `Discard ${who}`, className: 'discard' }),
      button('Edit', () => edit(r), { label: `Edit the outcome, tags and note of ${who}`, className: 'edit' }),
    ];
  }

  /** @param {string} id @param {Record<string, unknown>} review */
  async function patch(id, review) {
    try {
      const answer = await api(`/api/recordings/${encodeURIComponent(id)}`, credential, { method: 'PATCH', body: review });
      page = page.map((r) => (r.recordingId === id ? answer.recording : r));
      return true;
    } catch (err) {
      error.textContent = `Could not change ${id}: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    } finally {
      draw();
    }
  }

  /** @param {Record<string, unknown>} review */
  async function bulk(review) {
    const ids = [...selected];
    if (!ids.length) return say('Select recordings first (the boxes on the left).');
    let done = 0;
    for (const id of ids) if (await patch(id, review)) done++;
    say(`${done} of ${ids.length} recordings changed.`);
  }

  function bulkTag() {
    const tags = parseTags(bulkTags.value);
    if (!tags || !Object.keys(tags).length) return say('Tags are name=value, separated by commas.');
    void bulk({ tags });
  }

  /** Discards after UNDO_MS unless undone: the row says "discarding…" with an Undo meanwhile. @param {string[]} ids */
  function discard(ids) {
    if (!ids.length) return say('Select recordings first (the boxes on the left).');
    for (const id of ids) {
      if (pending.has(id)) continue;
      pending.set(
        id,
        setTimeout(() => {
          pending.delete(id);
          void patch(id, { decision: 'discard' });
        }, UNDO_MS),
      );
    }
    say(
      `${ids.length} recording${ids.length === 1 ? '' : 's'} will be discarded in ${UNDO_MS / 1000} s: Undo on the row to keep it as it is.`,
    );
    draw();
  }

  /** @param {string[]} ids */
  function undo(ids) {
    for (const id of ids) clearTimeout(pending.get(id));
    for (const id of ids) pending.delete(id);
    say('Discard undone.');
    draw();
  }

  /** The take's outcome, tags and note in a row under it. @param {RecordingView} r */
  function edit(r) {
    const at = [...body.rows].find((row) => row.dataset.recordingId === r.recordingId);
    if (!at || at.nextElementSibling?.classList.contains('edit-row')) return;
    at.after(editRow(r, { patch, say }));
  }

  /** @param {'csv' | 'jsonl'} format */
  async function exportAs(format) {
    const query = apiQuery();
    query.set('format', format);
    try {
      await download(`/api/recordings/export?${query.toString()}`, credential, `recordings.${format}`);
      say(`Exported the recordings of this filter as ${format === 'csv' ? 'CSV' : 'JSON lines'}.`);
    } catch (err) {
      error.textContent = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  async function buildDataset() {
    const name = datasetName.value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) return say('A dataset name is letters, digits, ".", "_" or "-" (up to 100).');
    try {
      const answer = await api('/api/datasets', credential, { method: 'POST', body: datasetRequest(name, apiQuery()) });
      say(`Dataset ${answer.dataset.name} v${answer.dataset.version} is building (${answer.dataset.progress?.total ?? '?'} takes).`);
      deps.onDataset(name);
    } catch (err) {
      error.textContent = `Could not build the dataset: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** @param {string} text */
  function say(text) {
    status.textContent = text;
  }

  for (const input of [...Object.values(inputs), size]) input.addEventListener('change', filtersChanged);
  const timer = setInterval(() => {
    if (!card.closest('[hidden]') && pending.size === 0) void refresh();
  }, REFRESH_MS);
  return {
    refresh,
    /** The URL's filters (the view opened, or back/forward). @param {string} search */
    show(search) {
      const p = new URLSearchParams(search);
      for (const key of FILTERS) inputs[key].value = (p.get(key) ?? '').slice(0, 200);
      const key = p.get('sort') ?? 'time';
      sort = {
        key: SORT_COLUMNS.some((c) => c.key === key) ? key : 'time',
        dir: p.get('dir') === 'asc' ? 'asc' : p.get('dir') === 'desc' ? 'desc' : key === 'time' ? 'desc' : 'asc',
      };
      // Any page size from 1 to 100 a bookmark asks for; the menu offers the usual ones.
      const wanted = String(Math.min(100, Math.max(1, Math.floor(Number(p.get('size') ?? PAGE_SIZE) || Number(PAGE_SIZE)))));
      if (![...size.options].some((o) => o.value === wanted))
        size.append(Object.assign(el('option', { text: `${wanted} a page` }), { value: wanted }));
      size.value = wanted;
      cursors = [undefined];
      void refresh();
    },
    /** The session view's link: this view filtered to one session. */
    showSession(sessionId) {
      for (const input of Object.values(inputs)) input.value = '';
      inputs.session.value = sessionId;
      filtersChanged();
    },
    stop() {
      clearInterval(timer);
      for (const t of pending.values()) clearTimeout(t);
      card.remove();
    },
  };
}
