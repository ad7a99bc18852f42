// @ts-check
import { button, selectInput, showSort, textInput } from './form-controls.js';
import { el } from './dom.js';

/**
 * The Sessions view's toolbar and order: filters by status and tablet (the
 * server filters, GET /api/sessions?status=&tabletId=), a page at a time
 * through the whole list (its cursor), and the page sorted by any column.
 * All but the page are kept in the view's URL.
 * @typedef {import('../../../../src/protocol').SessionView} SessionView
 * @typedef {{ key: string, value: (s: SessionView) => string | number }} SessionSort
 */

const PAGE_SIZE = 25;

/** @type {SessionSort[]} */
const SORTS = [
  { key: 'session', value: (s) => JSON.stringify(s.metadata ?? {}) },
  { key: 'tablet', value: (s) => s.tabletId },
  { key: 'status', value: (s) => s.status },
  { key: 'started', value: (s) => s.startedAt ?? s.createdAt },
  { key: 'duration', value: (s) => s.duration ?? -1 },
  { key: 'headsets', value: (s) => s.deviceIds.length },
];

export class SessionsPage {
  /**
   * @param {HTMLElement} toolbar where the filters and pager go
   * @param {HTMLTableRowElement} head the table's header row (its cells get sort buttons)
   * @param {{ reload: () => void, resort: () => void, setSearch: (p: URLSearchParams) => void }} hooks
   */
  constructor(toolbar, head, hooks) {
    this.hooks = hooks;
    this.head = head;
    this.status = selectInput('sessions-status', 'Filter sessions by status', [
      ['', 'Any status'],
      ...['pending', 'recording', 'paused', 'uploading', 'completed', 'failed'].map((s) => /** @type {[string, string]} */ ([s, s])),
    ]);
    this.tablet = textInput('sessions-tablet', 'Filter sessions by tablet ID', 'tablet ID');
    this.sort = { key: 'started', dir: /** @type {'asc' | 'desc'} */ ('desc') };
    /** @type {Array<string | undefined>} */
    this.cursors = [undefined];
    /** @type {string | undefined} */
    this.nextCursor = undefined;
    this.previous = button('← Newer', () => this.turn(-1), { label: 'Newer sessions (previous page)' });
    this.next = button('Older →', () => this.turn(1), { label: 'Older sessions (next page)' });
    this.pageLabel = el('span', { className: 'muted' });
    for (const input of [this.status, this.tablet]) input.addEventListener('change', () => this.filtersChanged());
    toolbar.replaceChildren(this.status, this.tablet, el('span', { className: 'spacer' }), this.previous, this.pageLabel, this.next);
    SORTS.forEach((s, i) => {
      const th = /** @type {HTMLElement | undefined} */ (head.cells[i]);
      if (!th) return;
      th.dataset.col = s.key;
      th.replaceChildren(button(th.textContent ?? s.key, () => this.setSort(s.key), { className: 'sort' }));
    });
    this.showPage();
  }

  /** The URL's filters and order (the view opened, or back/forward). @param {string} search */
  show(search) {
    const p = new URLSearchParams(search);
    this.status.value = p.get('status') ?? '';
    if (this.status.selectedIndex < 0) this.status.value = '';
    this.tablet.value = (p.get('tablet') ?? '').slice(0, 64);
    const key = p.get('sort') ?? 'started';
    this.sort = {
      key: SORTS.some((s) => s.key === key) ? key : 'started',
      dir: /** @type {'asc' | 'desc'} */ (p.get('dir') === 'asc' ? 'asc' : 'desc'),
    };
    this.cursors = [undefined];
    this.showPage();
  }

  /** GET /api/sessions for this page and these filters. */
  path() {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.status.value) q.set('status', this.status.value);
    const tablet = this.tablet.value.trim();
    if (/^[A-Za-z0-9_-]{1,64}$/.test(tablet)) q.set('tabletId', tablet);
    const cursor = this.cursors[this.cursors.length - 1];
    if (cursor) q.set('cursor', cursor);
    return `/api/sessions?${q.toString()}`;
  }

  /** @param {string | undefined} nextCursor */
  loaded(nextCursor) {
    this.nextCursor = nextCursor;
    this.showPage();
  }

  /** A page in the chosen order; ties newest first. @param {SessionView[]} sessions */
  sorted(sessions) {
    const by = SORTS.find((s) => s.key === this.sort.key) ?? /** @type {SessionSort} */ (SORTS[3]);
    const sign = this.sort.dir === 'asc' ? 1 : -1;
    const cmp = (/** @type {string | number} */ a, /** @type {string | number} */ b) => (a < b ? -1 : a > b ? 1 : 0);
    return [...sessions].sort((a, b) => sign * cmp(by.value(a), by.value(b)) || cmp(b.createdAt, a.createdAt));
  }

  /** @param {string} key */
  setSort(key) {
    /** @type {'asc' | 'desc'} */
    const dir = key === this.sort.key && this.sort.dir === 'asc' ? 'desc' : 'asc';
    this.sort = { key, dir };
    this.hooks.setSearch(this.params());
    this.showPage();
    this.hooks.resort();
  }

  params() {
    const p = new URLSearchParams();
    if (this.status.value) p.set('status', this.status.value);
    if (this.tablet.value.trim()) p.set('tablet', this.tablet.value.trim());
    if (this.sort.key !== 'started' || this.sort.dir !== 'desc') {
      p.set('sort', this.sort.key);
      p.set('dir', this.sort.dir);
    }
    return p;
  }

  filtersChanged() {
    this.cursors = [undefined];
    this.hooks.setSearch(this.params());
    this.hooks.reload();
  }

  /** @param {number} step */
  turn(step) {
    if (step > 0 && this.nextCursor) this.cursors.push(this.nextCursor);
    else if (step < 0 && this.cursors.length > 1) this.cursors.pop();
    else return;
    this.hooks.reload();
  }

  showPage() {
    showSort(this.head, this.sort.key, this.sort.dir);
    this.pageLabel.textContent = `Page ${this.cursors.length}`;
    this.previous.disabled = this.cursors.length <= 1;
    this.next.disabled = !this.nextCursor;
  }
}
