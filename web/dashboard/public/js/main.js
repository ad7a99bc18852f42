// @ts-check
import { alarmBadge, AlarmsView } from './alarms-view.js';
import { api, clearCredential, isCredentialRefused, credentialFrom, loadCredential, saveCredential } from './api.js';
import { byId, el } from './dom.js';
import { DashboardSession } from './dashboard-session.js';
import { renderDeviceHistory, renderSessionTimeline } from './device-history-view.js';
import { startRecordingsView } from './recordings-view.js';
import { renderSessionRecordings } from './session-recordings.js';
import { startDatasetsView } from './datasets-view.js';

/**
 * The page: sign-in, then a DashboardSession (live fleet state over
 * Socket.IO plus REST panels) until sign-out or a refused credential.
 * @typedef {import('./api.js').Credential} Credential
 */

const signInSection = byId('sign-in');
const appSection = byId('app');
const form = /** @type {HTMLFormElement} */ (byId('sign-in-form'));
const input = /** @type {HTMLInputElement} */ (byId('credential'));
const signInError = byId('sign-in-error');
const signOut = byId('sign-out');
const connection = byId('connection');

/**
 * Where other features plug in (docs/DASHBOARD.md, "Extending the dashboard"):
 * sections of the device and session detail views, badges in the device
 * cell, and a hook when a session starts (to subscribe to more events).
 * @type {import('./dashboard-session.js').Extensions}
 */
const EXTENSIONS = {
  deviceSections: [
    {
      id: 'history',
      title: 'History (last 24 h)',
      render: (container, deviceId, { api }) => void showOrFail(container, renderDeviceHistory(container, deviceId, api)),
    },
  ],
  sessionSections: [
    // A session's recordings first: whether to re-record is the question an operator opens it with.
    {
      id: 'recordings',
      title: 'Recordings',
      render: (container, sessionId, { api }) =>
        renderSessionRecordings(container, sessionId, api, (id) =>
          current?.router.go({ view: 'recordings' }, `?session=${encodeURIComponent(id)}`),
        ),
    },
    {
      id: 'timeline',
      title: 'Timeline',
      render: (container, sessionId, { api }) => void showOrFail(container, renderSessionTimeline(container, sessionId, api)),
    },
  ],
  decorateDevice: alarmBadge,
  onStart: (session) => {
    const stopAlarms = startAlarms(session);
    // The Recordings view (verdicts, reasons, curation, export) and the Datasets view; stopped on sign-out.
    const datasets = startDatasetsView(byId('datasets'), session.credential, session.live.socket);
    const recordings = startRecordingsView(byId('recordings-mount'), {
      credential: session.credential,
      state: session.state,
      setSearch: (params) => session.router.route.view === 'recordings' && session.router.setSearch(params),
      onDataset: () => void datasets.refresh(),
    });
    session.onRoute((route) => {
      if (route.view === 'recordings') recordings.show(location.search);
      if (route.view === 'datasets') void datasets.refresh();
    });
    return () => {
      stopAlarms();
      recordings.stop();
      datasets.stop();
    };
  },
};

/**
 * The alarms strip, and each device's open alarms on the fleet state (the alarm
 * filter, the badges and the device detail read them). A full fleet update can
 * bring devices the alarms were not yet set on, so they are set again after it.
 * @param {DashboardSession} session @returns {() => void} stops its timer
 */
function startAlarms(session) {
  /** @type {Map<string, import('./alarms-view.js').Alarm[]>} */
  let latest = new Map();
  const apply = () => {
    for (const device of session.state.all()) session.state.setAlarms(device.deviceId, latest.get(device.deviceId) ?? []);
    session.scheduleRender();
  };
  const alarms = new AlarmsView(
    byId('alarms'),
    session.credential,
    (byDevice) => {
      latest = byDevice;
      apply();
    },
    (params) => session.router.route.view === 'alarms' && session.router.setSearch(params),
  );
  const socket = session.live.socket;
  alarms.bind(socket);
  socket.on('on-fleet-status-updated', apply);
  void alarms.start();
  session.onRoute((route) => route.view === 'alarms' && alarms.show(location.search));
  const ages = setInterval(() => alarms.tick(), 1_000);
  return () => clearInterval(ages);
}

/** A section that loads asynchronously says so when it cannot. @param {HTMLElement} container @param {Promise<void>} loading */
async function showOrFail(container, loading) {
  try {
    await loading;
  } catch (err) {
    container.replaceChildren(el('p', { className: 'error', text: `Could not load: ${/** @type {Error} */ (err).message}` }));
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
  byId('views-nav').hidden = false;
  connection.textContent = 'connecting…';
  current = new DashboardSession(credential, EXTENSIONS, (what) => endSession(refusedMessage(what)));
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
  byId('views-nav').hidden = true;
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
    signInError.textContent = isCredentialRefused(err)
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
byId('preview-stop').addEventListener('click', () => current?.stopWatching());

const saved = loadCredential();
if (saved) begin(saved);
