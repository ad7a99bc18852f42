// @ts-check
import { byId, el } from './dom.js';
import { sessionLabel, shortId } from './format.js';
import { NONE } from './fleet-query.js';

/**
 * The fleet table's toolbar: search, filters and grouping. It shows a query
 * and reports changes; the session keeps the query (and the URL) and sorts.
 * Tablet, session and app-version choices follow the fleet.
 *
 * @typedef {import('./fleet-query.js').FleetQuery} FleetQuery
 * @typedef {import('./fleet-state.js').FleetState} FleetState
 */
export class FleetControls {
  /** @param {(change: Partial<FleetQuery>) => void} onChange */
  constructor(onChange) {
    this.onChange = onChange;
    this.search = /** @type {HTMLInputElement} */ (byId('f-q'));
    /** @type {Record<string, HTMLSelectElement>} */
    this.selects = {
      status: /** @type {HTMLSelectElement} */ (byId('f-status')),
      tablet: /** @type {HTMLSelectElement} */ (byId('f-tablet')),
      session: /** @type {HTMLSelectElement} */ (byId('f-session')),
      app: /** @type {HTMLSelectElement} */ (byId('f-app')),
      alarm: /** @type {HTMLSelectElement} */ (byId('f-alarm')),
      group: /** @type {HTMLSelectElement} */ (byId('f-group')),
    };
    /** What each dynamic select lists now, so its options are rebuilt only when that changes. */
    this.listed = { tablet: '', session: '', app: '' };
    this.search.addEventListener('input', () => this.onChange({ q: this.search.value.slice(0, 100) }));
    for (const [name, select] of Object.entries(this.selects))
      select.addEventListener('change', () => this.onChange({ [name]: select.value }));
    byId('f-clear').addEventListener('click', () =>
      this.onChange({ q: '', status: '', tablet: '', session: '', app: '', alarm: '', group: '' }),
    );
    byId('fleet-controls').addEventListener('submit', (e) => e.preventDefault());
  }

  /** Shows a query (from the URL, or after a change). @param {FleetQuery} query */
  show(query) {
    if (this.search.value !== query.q) this.search.value = query.q;
    for (const [name, select] of Object.entries(this.selects)) {
      keepChoice(select, /** @type {any} */ (query)[name]);
    }
  }

  /** Rebuilds the tablet, session and app-version choices from the fleet. @param {FleetState} state @param {FleetQuery} query */
  updateChoices(state, query) {
    const devices = state.all();
    const tablets = [...new Set(devices.flatMap((d) => (d.lockedByTabletId ? [d.lockedByTabletId] : [])))].sort(natural);
    const versions = [...new Set(devices.flatMap((d) => (d.telemetry?.appVersion ? [d.telemetry.appVersion] : [])))].sort(natural);
    const sessions = [...new Map([...state.sessionOf.values()].map((s) => [s.sessionId, s])).values()];
    this.fill('tablet', query.tablet, 'All tablets', [...tablets.map((t) => [t, t]), [NONE, 'No tablet']]);
    this.fill('session', query.session, 'All sessions', [
      ...sessions.map((s) => [s.sessionId, `${sessionLabel(s) || shortId(s.sessionId)} (${s.tabletId})`]),
      [NONE, 'No active session'],
    ]);
    this.fill(
      'app',
      query.app,
      'All app versions',
      versions.map((v) => [v, `App ${v}`]),
    );
  }

  /**
   * @param {'tablet' | 'session' | 'app'} name @param {string} selected @param {string} allLabel
   * @param {Array<string[]>} choices [value, label]
   */
  fill(name, selected, allLabel, choices) {
    const key = JSON.stringify(choices);
    if (this.listed[name] === key) return;
    this.listed[name] = key;
    const select = this.selects[name];
    const options = [el('option', { text: allLabel }), ...choices.map(([, label]) => el('option', { text: label }))];
    options[0].value = '';
    choices.forEach(([value], i) => (options[i + 1].value = value));
    select.replaceChildren(...options);
    keepChoice(select, selected);
  }
}

/**
 * Selects a value; one nobody has right now (a bookmarked tablet that is off) is added, so it stays visible and selectable.
 * @param {HTMLSelectElement} select @param {string} value
 */
function keepChoice(select, value) {
  if (![...select.options].some((o) => o.value === value)) select.append(el('option', { text: value }));
  if (select.value !== value) select.value = value;
}

/** @param {string} a @param {string} b */
function natural(a, b) {
  return a.localeCompare(b, undefined, { numeric: true });
}
