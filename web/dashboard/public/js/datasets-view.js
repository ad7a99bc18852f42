// @ts-check
import { api } from './api.js';
import { el } from './dom.js';
import { clock } from './format.js';

/**
 * The Datasets view (docs/DATASETS.md): every dataset version, newest first,
 * with its state and build progress in words, how many episodes and frames,
 * where it is in storage and what it was built from. Built from the
 * Recordings view ("Build a dataset from these"). Follows
 * `on-dataset-progress` live, and asks GET /api/datasets when the view opens.
 * @typedef {import('./api.js').Credential} Credential
 * @typedef {{ datasetId: string, name: string, version: number, state: string, progress: { done: number, total: number },
 *   episodeCount: number, frameCount: number, location: string, createdAt: string, task: string, fps: number,
 *   filter: Record<string, unknown>, error?: string, createdBy: { kind: string, id: string } }} DatasetSummary
 */

/**
 * @param {HTMLElement} card the view's card
 * @param {Credential} credential
 * @param {import('./live.js').DashboardSocket} socket
 */
export function startDatasetsView(card, credential, socket) {
  const heading = el('h2', { text: 'Datasets' });
  heading.id = 'datasets-title';
  const body = el('tbody');
  const table = el('table', { className: 'compact' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        ['Dataset', 'State', 'Episodes', 'Frames', 'Built from', 'Created', 'Where'].map((h) => el('th', { text: h })),
      ),
    ]),
    body,
  ]);
  table.id = 'datasets-table';
  const empty = el('p', {
    className: 'muted',
    text: 'No datasets yet. In Recordings, filter the takes you want and press “Build a dataset from these”.',
  });
  const error = el('p', { className: 'error' });
  card.replaceChildren(heading, el('div', { className: 'table-wrap' }, [table]), empty, error);
  /** @type {DatasetSummary[]} */
  let datasets = [];

  async function refresh() {
    try {
      datasets = (await api('/api/datasets', credential)).datasets;
      error.textContent = '';
    } catch (err) {
      error.textContent = `Datasets: ${err instanceof Error ? err.message : String(err)}`;
    }
    draw();
  }

  function draw() {
    empty.hidden = datasets.length > 0;
    table.hidden = datasets.length === 0;
    body.replaceChildren(
      ...datasets.map((d) =>
        el('tr', { data: { datasetId: d.datasetId } }, [
          el('td', {}, [
            el('span', { className: 'device-id', text: `${d.name} v${d.version}` }),
            el('span', { className: 'session-id', text: d.task }),
          ]),
          el('td', { text: stateText(d), data: { field: 'state' }, className: d.state === 'failed' ? 'low' : '' }),
          el('td', { text: String(d.episodeCount), className: 'num' }),
          el('td', { text: `${d.frameCount} at ${d.fps} fps`, className: 'num' }),
          el('td', { text: filterText(d.filter) }),
          el('td', { text: `${clock(d.createdAt)} by ${d.createdBy.id}` }),
          el('td', {}, [el('code', { text: d.location })]),
        ]),
      ),
    );
  }

  /** A build's progress as it happens. @param {{ datasetId: string, state: string, done: number, total: number }} p */
  const onProgress = (p) => {
    const d = datasets.find((x) => x.datasetId === p.datasetId);
    if (!d) return void refresh();
    d.state = p.state;
    d.progress = { done: p.done, total: p.total };
    if (p.state === 'ready' || p.state === 'failed') void refresh();
    else draw();
  };
  socket.on('on-dataset-progress', onProgress);
  return {
    refresh,
    stop() {
      socket.off('on-dataset-progress', onProgress);
    },
  };
}

/** @param {DatasetSummary} d */
function stateText(d) {
  if (d.state === 'building' || d.state === 'queued') return `${d.state}: ${d.progress.done} of ${d.progress.total} takes`;
  if (d.state === 'failed') return `failed${d.error ? `: ${d.error}` : ''}`;
  return d.state;
}

/** What a dataset was built from, in words. @param {Record<string, any>} f */
function filterText(f) {
  const parts = [];
  if (f.sessionIds?.length) parts.push(`${f.sessionIds.length} session${f.sessionIds.length === 1 ? '' : 's'}`);
  if (f.deviceIds?.length) parts.push(`headsets ${f.deviceIds.join(', ')}`);
  if (f.tags)
    parts.push(
      `tags ${Object.entries(f.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  parts.push(`verdict ${f.verdict}`);
  if (f.decision) parts.push(`decision ${f.decision}`);
  return parts.join(' · ');
}
