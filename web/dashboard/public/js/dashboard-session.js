// @ts-check
import { api, isCredentialRefused } from './api.js';
import { byId } from './dom.js';
import { DeviceDetailView } from './device-detail.js';
import { DevicesView } from './devices-view.js';
import { FleetControls } from './fleet-controls.js';
import { applyQuery, parseQuery, queryToSearch } from './fleet-query.js';
import { FleetState } from './fleet-state.js';
import { LiveConnection } from './live.js';
import { renderFleetSummary, renderQa, renderStorage } from './panels-view.js';
import { LinkStatus } from './link-status.js';
import { PreviewWall } from './preview-wall.js';
import { Router } from './router.js';
import { SessionDetailView } from './session-detail.js';
import { SessionsPage } from './sessions-page.js';
import { SessionsView } from './sessions-view.js';

/**
 * @typedef {import('./api.js').Credential} Credential
 * @typedef {import('./detail-dialog.js').DetailSection} DetailSection
 * @typedef {import('./fleet-query.js').FleetQuery} FleetQuery
 * @typedef {import('../../../../src/protocol').TelemetryUpdate} TelemetryUpdate
 *
 * What other features plug into the page (see docs/DASHBOARD.md, "Extending the dashboard").
 * @typedef {{ deviceSections: DetailSection[], sessionSections: DetailSection[],
 *   decorateDevice?: (badges: HTMLElement, device: import('./fleet-state.js').DeviceRow) => void,
 *   onStart?: (session: DashboardSession) => void | (() => void) }} Extensions
 */

/** REST refresh periods. The device list by REST only while the socket is down. */
const DEVICES_FALLBACK_MS = 5_000;
const SESSIONS_MS = 10_000;
const QA_MS = 30_000;
/** While uploads arrive, bucket statistics are listed afresh (bypassing the server's cache) at most this often. */
const STORAGE_FRESH_MS = 60_000;
/** After a session event, wait this long so a burst of events makes one request. */
const DEBOUNCE_MS = 500;
/** Active sessions are fetched in full for the fleet table (the Sessions view pages through the rest). */
const ACTIVE_FETCHED = 200;

/** Everything that lives while signed in; stop() tears it down. */
export class DashboardSession {
  /**
   * @param {Credential} credential
   * @param {Extensions} extensions
   * @param {(message: string) => void} onRefused the credential stopped working: sign out with this message
   */
  constructor(credential, extensions, onRefused) {
    this.credential = credential;
    this.onRefused = onRefused;
    this.state = new FleetState();
    /** @type {FleetQuery} */
    this.query = parseQuery(location.search);
    /** @type {ReturnType<typeof setInterval>[]} */
    this.timers = [];
    /** @type {Map<string, ReturnType<typeof setTimeout>>} */
    this.debounced = new Map();
    this.renderQueued = false;
    this.lastResubscribe = 0;
    this.socketLive = false;
    this.lastFreshStorage = 0;
    this.link = new LinkStatus();
    this.router = new Router((route) => this.showRoute(route));
    const context = { api: (/** @type {string} */ path, /** @type {any} */ options) => api(path, credential, options), state: this.state };

    this.controls = new FleetControls((change) => this.setQuery(change));
    this.devices = new DevicesView(/** @type {HTMLTableElement} */ (byId('devices')), byId('devices-empty'), {
      onWatch: (id) => this.watch(id),
      onDetails: (id) => this.openDetail('device', id),
      onSort: (key) =>
        this.setQuery(key === this.query.sort ? { dir: this.query.dir === 'asc' ? 'desc' : 'asc' } : { sort: key, dir: 'asc' }),
      decorate: extensions.decorateDevice,
    });
    const sessionsTable = /** @type {HTMLTableElement} */ (byId('sessions'));
    this.sessions = new SessionsView(sessionsTable, byId('sessions-empty'), (id) => this.openDetail('session', id));
    this.sessionsPage = new SessionsPage(byId('sessions-controls'), /** @type {HTMLTableRowElement} */ (sessionsTable.tHead?.rows[0]), {
      reload: () => void this.refreshSessions(),
      resort: () => {
        this.sessions.update(this.sessionsPage.sorted(this.sessions.sessions));
        this.renderNow();
      },
      setSearch: (params) => this.router.route.view === 'sessions' && this.router.setSearch(params),
    });
    this.deviceDetail = new DeviceDetailView(byId('device-detail'), {
      sections: extensions.deviceSections,
      context,
      onClose: () => undefined,
      onWatch: (id) => this.watch(id),
      onSession: (id) => this.openDetail('session', id),
    });
    this.sessionDetail = new SessionDetailView(/** @type {HTMLDialogElement} */ (byId('session-detail')), {
      sections: extensions.sessionSections,
      context,
      onClose: () => this.detailClosed('session'),
      onDevice: (id) => this.openDetail('device', id),
    });
    this.preview = new PreviewWall({ panel: byId('preview-wall'), tiles: byId('preview-tiles'), label: byId('preview-device') }, (id) =>
      this.watch(id),
    );
    this.live = new LiveConnection(
      credential,
      (socket) => this.bind(socket),
      (state, detail) => this.linkState(state, detail),
    );
    this.extensions = extensions;
    /** @type {Array<() => void>} what the extensions started, stopped on sign-out */
    this.cleanups = [];
    /** @type {Array<(route: import('./router.js').Route) => void>} views other modules show (recordings, alarms, ...) */
    this.routeListeners = [];
  }

  start() {
    this.controls.show(this.query);
    this.devices.setSort(this.query.sort, this.query.dir);
    const params = new URLSearchParams(location.search);
    const device = params.get('device');
    const session = params.get('session');
    // A bookmark from before the device page (?device=ID) opens it.
    if (device && device.length <= 64) history.replaceState(null, '', `/dashboard/devices/${encodeURIComponent(device)}`);
    this.router.start();
    if (session && session.length <= 200) this.openDetail('session', session);
    // The refresh methods never reject: load() shows a failure in the page.
    void this.refreshDevicesFallback();
    void this.refreshSessions();
    void this.refreshQa();
    this.timers.push(setInterval(() => void this.refreshDevicesFallback(), DEVICES_FALLBACK_MS));
    this.timers.push(setInterval(() => void this.refreshSessions(), SESSIONS_MS));
    this.timers.push(setInterval(() => void this.refreshQa(), QA_MS));
    // "last seen 3 min ago", running durations, "no frames for N s" and the banner's age move on every second.
    this.timers.push(setInterval(() => this.tick(), 1_000));
    const cleanup = this.extensions.onStart?.(this);
    if (cleanup) this.cleanups.push(cleanup);
  }

  stop() {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const t of this.timers) clearInterval(t);
    for (const t of this.debounced.values()) clearTimeout(t);
    this.live.close();
    this.preview.clear();
    this.router.stop();
    this.deviceDetail.close();
    this.sessionDetail.close();
    this.link.clear();
  }

  /** A module with a view of its own follows the route (called now with the current one). @param {(route: import('./router.js').Route) => void} listener */
  onRoute(listener) {
    this.routeListeners.push(listener);
    listener(this.router.route);
  }

  /** The URL changed (a link, back or forward, a start): the view follows. @param {import('./router.js').Route} route */
  showRoute(route) {
    if (route.view === 'device' && route.id) this.deviceDetail.open(route.id);
    else this.deviceDetail.close();
    if (route.view === 'sessions') {
      this.sessionsPage.show(location.search);
      void this.refreshSessions();
    }
    if (route.view === 'fleet') {
      this.query = parseQuery(location.search);
      this.controls.show(this.query);
      this.devices.setSort(this.query.sort, this.query.dir);
    }
    for (const listener of this.routeListeners) listener(route);
    document.title = `${route.view === 'device' ? `Headset ${route.id}` : route.view[0]?.toUpperCase() + route.view.slice(1)} · Capture fleet`;
    this.renderNow();
  }

  /** @param {import('./live.js').DashboardSocket} socket */
  bind(socket) {
    socket.onAny(() => (this.link.lastUpdate = Date.now()));
    socket.on('on-fleet-status-updated', (states) => {
      this.state.replaceAll(states);
      this.scheduleRender();
    });
    socket.on('on-device-telemetry-updated', (update) => this.applyDeviceUpdate(update));
    socket.on('on-device-presence-changed', (change) => {
      if (!this.state.presence(change)) this.resubscribe();
      this.scheduleRender();
    });
    socket.on('on-headsets-updated', (ids) => {
      if (this.state.hasUnknown(ids)) this.resubscribe();
    });
    socket.on('on-device-locks-updated', (locks) => {
      this.state.locks(locks);
      this.scheduleRender();
    });
    socket.on('on-device-recording-changed', (change) => {
      this.state.recording(change);
      this.scheduleRender();
    });
    for (const event of /** @type {const} */ ([
      'on-session-created',
      'on-session-started',
      'on-session-paused',
      'on-session-ended',
      'on-session-upload-updated',
    ])) {
      socket.on(event, () => this.soon('sessions', () => void this.refreshSessions()));
    }
    // Uploads finishing are new recordings for the QA and storage panels.
    socket.on('on-session-upload-updated', () => {
      this.soon('qa', () => void this.refreshQa(), 3_000);
      const wait = Math.max(3_000, this.lastFreshStorage + STORAGE_FRESH_MS - Date.now());
      this.soon('storage', () => void this.refreshStorage(true), wait);
    });
    socket.on('on-headset-frame-updated', (frame, deviceId) => this.preview.frame(frame, deviceId));
    byId('preview-rate').addEventListener('change', (e) => this.live.setRate(Number(/** @type {HTMLSelectElement} */ (e.target).value)));
  }

  /**
   * One device's live update: the seam for batched telemetry, which calls it
   * once per device of a batch (redraws are coalesced per animation frame).
   * @param {TelemetryUpdate} update
   */
  applyDeviceUpdate(update) {
    this.state.applyDeviceUpdate(update);
    this.scheduleRender();
  }

  /** Watch toggles a headset on the preview wall (at most MAX_WATCHED). @param {string} deviceId */
  watch(deviceId) {
    if (this.live.watched.has(deviceId)) {
      this.live.unwatch(deviceId);
      this.preview.remove(deviceId);
    } else {
      if (this.state.devices.get(deviceId)?.status === 'offline') return;
      this.preview.add(deviceId);
      if (!this.preview.tiles.has(deviceId)) return;
      this.live.watch(deviceId);
    }
    this.devices.setWatched(this.live.watched);
    this.scheduleRender();
  }

  stopWatching() {
    for (const id of this.preview.watched) this.watch(id);
  }

  /** A device this page has not seen: ask for the whole list, at most every 2 s. */
  resubscribe() {
    if (Date.now() - this.lastResubscribe < 2_000) return;
    this.lastResubscribe = Date.now();
    this.live.resubscribe();
  }

  /** Changes the fleet table's view and records it in the URL (replaceState: no history entry per keystroke). @param {Partial<FleetQuery>} change */
  setQuery(change) {
    this.query = { ...this.query, ...change };
    this.router.setSearch(new URLSearchParams(queryToSearch(this.query, location.search)));
    this.controls.show(this.query);
    this.devices.setSort(this.query.sort, this.query.dir);
    this.scheduleRender();
  }

  /** A device opens its page (a history entry); a session its dialog over the current view (?session=ID). @param {'device' | 'session'} kind @param {string} id */
  openDetail(kind, id) {
    if (kind === 'device') {
      this.sessionDetail.close();
      this.router.go({ view: 'device', id });
      return;
    }
    const params = new URLSearchParams(location.search);
    params.set('session', id);
    this.router.setSearch(params);
    this.sessionDetail.open(id);
    this.renderNow();
  }

  /** @param {'device' | 'session'} kind */
  detailClosed(kind) {
    if (kind !== 'session') return;
    const params = new URLSearchParams(location.search);
    params.delete('session');
    this.router.setSearch(params);
  }

  tick() {
    this.scheduleRender();
    this.preview.tick();
    this.link.show();
  }

  /** Redraws at most once per animation frame, however many events arrive. */
  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderNow();
    });
  }

  renderNow() {
    const now = Date.now();
    const groups = applyQuery(this.state, this.query);
    this.devices.render(groups, this.state, now);
    const shown = groups.reduce((n, g) => n + g.devices.length, 0);
    const total = this.state.devices.size;
    byId('device-count').textContent = shown === total ? `(${total})` : `(${shown} shown of ${total})`;
    this.controls.updateChoices(this.state, this.query);
    renderFleetSummary(byId('fleet-summary'), this.state.summary());
    this.sessions.render(this.state, now);
    this.deviceDetail.update(this.state, now, this.live.watched);
    this.sessionDetail.update(this.state);
  }

  /** @param {string} key @param {() => void} task @param {number} [delay] */
  soon(key, task, delay = DEBOUNCE_MS) {
    if (this.debounced.has(key)) return;
    this.debounced.set(
      key,
      setTimeout(() => {
        this.debounced.delete(key);
        task();
      }, delay),
    );
  }

  /** @param {import('./live.js').LinkState} state @param {string} [detail] */
  linkState(state, detail) {
    this.socketLive = state === 'live';
    this.link.set(state, detail);
    if (state === 'refused' && this.credential.kind === 'token') this.onRefused(`the token (${detail ?? 'unknown reason'})`);
  }

  /** Without the socket (not connected yet, or down) the table follows the fleet by REST on this timer. */
  async refreshDevicesFallback() {
    if (this.socketLive) return;
    await this.load(
      () => api('/api/devices', this.credential),
      (body) => {
        this.state.replaceAll(body.devices);
        this.scheduleRender();
      },
    );
  }

  async refreshSessions() {
    await this.load(
      async () => {
        const active = ['recording', 'paused', 'pending'].map((status) =>
          api(`/api/sessions?status=${status}&limit=${ACTIVE_FETCHED}`, this.credential),
        );
        const [listed, ...running] = await Promise.all([api(this.sessionsPage.path(), this.credential), ...active]);
        this.sessionsPage.loaded(listed.nextCursor);
        return { listed: this.sessionsPage.sorted(listed.sessions), running: running.flatMap((r) => r.sessions) };
      },
      ({ listed, running }) => {
        const byId = new Map([...running, ...listed].map((s) => [s.sessionId, s]));
        const all = [...byId.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
        this.state.setSessions(all);
        this.sessions.update(listed);
        this.scheduleRender();
      },
    );
  }

  async refreshQa() {
    await this.load(
      () => api('/api/qa-metrics', this.credential),
      (body) => renderQa(byId('qa-summary'), /** @type {HTMLTableElement} */ (byId('qa-sessions')), body),
      byId('qa-error'),
    );
    await this.refreshStorage(false);
  }

  /** The server caches bucket statistics (S3_STATS_CACHE_SECONDS); `fresh` asks it to list again. @param {boolean} fresh */
  async refreshStorage(fresh) {
    if (fresh) this.lastFreshStorage = Date.now();
    const path = fresh ? '/api/s3-stats?refresh=true' : '/api/s3-stats';
    await this.load(
      () => api(path, this.credential),
      (body) => renderStorage(byId('storage-summary'), body),
      byId('storage-error'),
    );
  }

  /**
   * @template T
   * @param {() => Promise<T>} fetchIt
   * @param {(body: T) => void} show
   * @param {HTMLElement} [errorNode]
   */
  async load(fetchIt, show, errorNode) {
    try {
      show(await fetchIt());
      if (errorNode) errorNode.textContent = '';
      this.link.lastUpdate = Date.now();
      byId('updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (isCredentialRefused(err)) return this.onRefused('the saved credential');
      const message = `Could not load: ${/** @type {Error} */ (err).message}`;
      if (errorNode) errorNode.textContent = message;
      else byId('updated').textContent = message;
    }
  }
}
