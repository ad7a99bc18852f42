// @ts-check
/**
 * The console's views and their URLs: each view is a path under /dashboard
 * (the server answers each with the same page), its filters are its query
 * string. Moving between views adds a history entry (pushState), so the
 * browser's back and forward buttons move between them; a filter change
 * replaces the current entry (no entry per keystroke).
 * @typedef {'fleet' | 'sessions' | 'recordings' | 'alarms' | 'datasets' | 'device'} ViewName
 * @typedef {{ view: ViewName, id?: string }} Route
 */

/** The views with a path of their own (the device page's path carries the device ID). */
export const LIST_VIEWS = /** @type {const} */ (['sessions', 'recordings', 'alarms', 'datasets']);

/** A device ID as the server accepts them; anything else in a pasted URL falls back to the fleet. */
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** @param {string} pathname @returns {Route} */
export function parseRoute(pathname) {
  const rest = pathname.replace(/^\/dashboard\/?/, '').replace(/\/$/, '');
  const device = /^devices\/([^/]+)$/.exec(rest);
  if (device) {
    const id = safeDecode(device[1] ?? '');
    if (id && DEVICE_ID.test(id)) return { view: 'device', id };
  }
  const list = LIST_VIEWS.find((v) => v === rest);
  return list ? { view: list } : { view: 'fleet' };
}

/** @param {Route} route */
export function routePath(route) {
  if (route.view === 'fleet') return '/dashboard/';
  if (route.view === 'device') return `/dashboard/devices/${encodeURIComponent(route.id ?? '')}`;
  return `/dashboard/${route.view}`;
}

/** @param {string} text */
function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Follows the URL: shows the route's view, hides the others, marks the header
 * link of the current view (aria-current) and remembers each view's last
 * query so its header link returns to the same filters.
 */
export class Router {
  /** @param {(route: Route) => void} onRoute */
  constructor(onRoute) {
    this.onRoute = onRoute;
    /** @type {Map<string, string>} the last query string of each view */
    this.lastSearch = new Map();
    /** @type {Route} */
    this.route = parseRoute(location.pathname);
    this.popped = () => this.apply();
    this.clicked = (/** @type {MouseEvent} */ event) => this.followLink(event);
  }

  start() {
    window.addEventListener('popstate', this.popped);
    document.addEventListener('click', this.clicked);
    this.apply();
  }

  stop() {
    window.removeEventListener('popstate', this.popped);
    document.removeEventListener('click', this.clicked);
  }

  /** Opens a view (a new history entry). @param {Route} route @param {string} [search] its query; by default the view's last one */
  go(route, search) {
    const query = search ?? (route.view === 'device' ? '' : (this.lastSearch.get(route.view) ?? ''));
    const url = `${routePath(route)}${query}`;
    if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url);
    this.apply();
  }

  /** The current view's filters changed: the same history entry, a new query. @param {URLSearchParams} params */
  setSearch(params) {
    const text = params.toString();
    const search = text ? `?${text}` : '';
    if (search === location.search) return;
    history.replaceState(history.state, '', `${location.pathname}${search}`);
    this.remember();
  }

  apply() {
    this.route = parseRoute(location.pathname);
    this.remember();
    const view = this.route.view;
    for (const node of document.querySelectorAll('[data-view]')) {
      /** @type {HTMLElement} */ (node).hidden = /** @type {HTMLElement} */ (node).dataset.view !== view;
    }
    for (const link of document.querySelectorAll('#views-nav a[data-nav]')) {
      const name = /** @type {HTMLElement} */ (link).dataset.nav ?? '';
      if (name === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    this.onRoute(this.route);
  }

  remember() {
    if (this.route.view !== 'device') this.lastSearch.set(this.route.view, location.search);
    for (const link of document.querySelectorAll('a[data-nav]')) {
      const name = /** @type {HTMLElement} */ (link).dataset.nav ?? '';
      if (name === this.route.view) continue;
      const view = /** @type {Route['view']} */ (name);
      link.setAttribute('href', `${routePath({ view })}${this.lastSearch.get(name) ?? ''}`);
    }
  }

  /** Header links move between views without reloading the page (a modified click opens a tab as usual). @param {MouseEvent} event */
  followLink(event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = /** @type {HTMLElement | null} */ (event.target instanceof Element ? event.target.closest('a[href]') : null);
    if (!link) return;
    const url = new URL(/** @type {HTMLAnchorElement} */ (link).href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/dashboard')) return;
    event.preventDefault();
    if (`${url.pathname}${url.search}` !== `${location.pathname}${location.search}`)
      history.pushState(null, '', `${url.pathname}${url.search}`);
    this.apply();
  }
}
