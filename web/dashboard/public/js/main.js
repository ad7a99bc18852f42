// @ts-check
import { api, ApiError, clearCredential, credentialFrom, loadCredential, saveCredential } from './api.js';
import { byId } from './dom.js';
import { DevicesView } from './devices-view.js';
import { FleetState } from './fleet-state.js';
import { LiveConnection } from './live.js';
import { renderFleetSummary, renderQa, renderStorage } from './panels-view.js';
import { PreviewView } from './preview.js';
import { SessionsView } from './sessions-view.js';
import { startRecordingsView } from './recordings-view.js';

/**
 * The page: sign-in, then live fleet state over Socket.IO plus REST panels
 * refreshed on a timer and whenever sessions change.
 * @typedef {import('./api.js').Credential} Credential
 */

/** REST refresh periods: the fleet summary is cheap; QA and storage read the bucket (cached server-side). */
const SUMMARY_MS = 5_000;
const SESSIONS_MS = 10_000;
const QA_MS = 30_000;
/** While uploads arrive, bucket statistics are listed afresh (bypassing the server's cache) at most this often. */
const STORAGE_FRESH_MS = 60_000;
/** After a session event, wait this long so a burst of events makes one request. */
const DEBOUNCE_MS = 500;

const signInSection = byId('sign-in');
const appSection = byId('app');
const form = /** @type {HTMLFormElement} */ (byId('sign-in-form'));
const input = /** @type {HTMLInputElement} */ (byId('credential'));
const signInError = byId('sign-in-error');
const signOut = byId('sign-out');
const connection = byId('connection');

/** Everything that lives while signed in; stop() tears it down. */
class DashboardSession {
  /** @param {Credential} credential */
  constructor(credential) {
    this.credential = credential;
    this.state = new FleetState();
    /** @type {ReturnType<typeof setInterval>[]} */
    this.timers = [];
    /** @type {Map<string, ReturnType<typeof setTimeout>>} */
    this.debounced = new Map();
    this.renderQueued = false;
    this.lastResubscribe = 0;
    this.socketLive = false;
    this.lastFreshStorage = 0;
    this.devices = new DevicesView(/** @type {HTMLTableElement} */ (byId('devices')), byId('devices-empty'), (id) => this.watch(id));
    this.sessions = new SessionsView(/** @type {HTMLTableElement} */ (byId('sessions')), byId('sessions-empty'));
    this.preview = new PreviewView({
      image: /** @type {HTMLImageElement} */ (byId('preview-image')),
      label: byId('preview-device'),
      stats: byId('preview-stats'),
      stop: byId('preview-stop'),
    });
    this.live = new LiveConnection(
      credential,
      (socket) => this.bind(socket),
      (state, detail) => this.linkState(state, detail),
    );
  }

  start() {
    // The refresh methods never reject: load() shows a failure in the page.
    void this.refreshSummary();
    void this.refreshSessions();
    void this.refreshQa();
    this.timers.push(setInterval(() => void this.refreshSummary(), SUMMARY_MS));
    this.timers.push(setInterval(() => void this.refreshSessions(), SESSIONS_MS));
    this.timers.push(setInterval(() => void this.refreshQa(), QA_MS));
    this.timers.push(setInterval(() => this.sessions.render(), 1_000));
    this.recordingsView = startRecordingsView(byId('app'), this.credential);
  }

  stop() {
    for (const t of this.timers) clearInterval(t);
    for (const t of this.debounced.values()) clearTimeout(t);
    this.live.close();
    this.preview.show(undefined);
    this.recordingsView?.stop();
  }

  /** @param {import('./live.js').DashboardSocket} socket */
  bind(socket) {
    socket.on('on-fleet-status-updated', (states) => {
      this.state.replaceAll(states);
      this.scheduleRender();
    });
    socket.on('on-device-telemetry-updated', (update) => {
      this.state.telemetry(update);
      this.scheduleRender();
    });
    socket.on('on-device-presence-changed', (change) => {
      if (!this.state.presence(change)) this.resubscribe();
      this.scheduleRender();
      this.soon('summary', () => void this.refreshSummary());
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
      this.soon('summary', () => void this.refreshSummary());
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
  }

  /** @param {string} deviceId */
  watch(deviceId) {
    const next = this.live.watched === deviceId ? undefined : deviceId;
    this.live.watch(next);
    this.preview.show(next);
    this.devices.setWatched(next);
  }

  /** A device this page has not seen: ask for the whole list, at most every 2 s. */
  resubscribe() {
    if (Date.now() - this.lastResubscribe < 2_000) return;
    this.lastResubscribe = Date.now();
    this.live.resubscribe();
  }

  /** Redraws at most once per animation frame, however many events arrive. */
  scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      const devices = this.state.sorted();
      this.devices.render(devices);
      byId('device-count').textContent = `(${devices.length})`;
    });
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
    const labels = {
      connecting: ['connecting…', 'pill-stale'],
      live: ['live', 'pill-online'],
      reconnecting: ['reconnecting…', 'pill-stale'],
      refused: ['refused', 'pill-error'],
    };
    const [text, cls] = labels[state];
    this.socketLive = state === 'live';
    connection.textContent = text;
    connection.className = `pill ${cls}`;
    connection.title = detail ?? '';
    if (state === 'refused' && this.credential.kind === 'token') endSession(refusedMessage(`the token (${detail ?? 'unknown reason'})`));
  }

  async refreshSummary() {
    await this.load(
      () => api('/api/fleet/summary', this.credential),
      (body) => renderFleetSummary(byId('fleet-summary'), body.summary),
    );
    // Without the socket (not connected yet, or its token refused for now) the table still follows the fleet, on this timer.
    if (!this.socketLive) {
      await this.load(
        () => api('/api/devices', this.credential),
        (body) => {
          this.state.replaceAll(body.devices);
          this.scheduleRender();
        },
      );
    }
  }

  async refreshSessions() {
    await this.load(
      () => api('/api/sessions?limit=20', this.credential),
      (body) => this.sessions.update(body.sessions),
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
   * @param {() => Promise<any>} fetchIt
   * @param {(body: any) => void} show
   * @param {HTMLElement} [errorNode]
   */
  async load(fetchIt, show, errorNode) {
    try {
      show(await fetchIt());
      if (errorNode) errorNode.textContent = '';
      byId('updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return endSession(refusedMessage('the saved credential'));
      const message = `Could not load: ${/** @type {Error} */ (err).message}`;
      if (errorNode) errorNode.textContent = message;
      else byId('updated').textContent = message;
    }
  }
}

/** @type {DashboardSession | undefined} */
let current;

/**
 * Why a credential that worked stops working, and what to do: almost always the
 * server came back with other secrets. @param {string} what
 */
function refusedMessage(what) {
  return (
    `The server refused ${what}. It was probably restarted with a different ADMIN_API_KEY or JWT_SECRET: ` +
    'sign in with the current admin API key, or a new dashboard token (npm run token). ' +
    'In development without them configured, the server prints its key when it starts and keeps it in DATA_DIR/.dev-secrets.json.'
  );
}

/** @param {Credential} credential */
function begin(credential) {
  signInSection.hidden = true;
  appSection.hidden = false;
  signOut.hidden = false;
  connection.textContent = 'connecting…';
  current = new DashboardSession(credential);
  current.start();
}

/** @param {string} [message] */
function endSession(message) {
  current?.stop();
  current = undefined;
  clearCredential();
  appSection.hidden = true;
  signInSection.hidden = false;
  signOut.hidden = true;
  connection.textContent = 'signed out';
  connection.className = 'pill pill-offline';
  signInError.textContent = message ?? '';
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn();
});

/** Checks the typed credential with the server, then starts the dashboard with it. */
async function signIn() {
  signInError.textContent = '';
  const credential = credentialFrom(input.value);
  try {
    // A cheap authenticated call checks the credential before anything else starts.
    await api('/api/fleet/summary', credential);
  } catch (err) {
    signInError.textContent =
      err instanceof ApiError && err.status === 401
        ? 'Not accepted: use a dashboard token or the admin API key.'
        : `Sign-in failed: ${/** @type {Error} */ (err).message}`;
    return;
  }
  input.value = '';
  saveCredential(credential);
  begin(credential);
}

signOut.addEventListener('click', () => endSession());
byId('storage-refresh').addEventListener('click', () => void current?.refreshStorage(true));
byId('preview-stop').addEventListener('click', () => {
  if (current?.live.watched) current.watch(current.live.watched);
});

const saved = loadCredential();
if (saved) begin(saved);
