// @ts-check
import { socketToken } from './api.js';

/**
 * The Socket.IO connection: authenticates with a dashboard token, subscribes
 * to fleet updates and re-subscribes (and re-watches the previewed headset)
 * after every reconnect. The client script comes from the server itself
 * (/socket.io/socket.io.min.js), which defines the global `io`.
 *
 * @typedef {import('./api.js').Credential} Credential
 * @typedef {import('socket.io-client').Socket<import('../../../../src/protocol').ServerToClientEvents, import('../../../../src/protocol').ClientToServerEvents>} DashboardSocket
 * @typedef {'connecting' | 'live' | 'reconnecting' | 'refused'} LinkState
 */

/** Telemetry in batches: a browser cannot take one message per device per second from a large fleet. */
const SUBSCRIPTION = /** @type {const} */ ({ telemetry: 'batched' });

export class LiveConnection {
  /**
   * @param {Credential} credential
   * @param {(socket: DashboardSocket) => void} bind registers the page's event listeners
   * @param {(state: LinkState, detail?: string) => void} onState
   */
  constructor(credential, bind, onState) {
    this.credential = credential;
    this.onState = onState;
    /** The headsets the preview wall watches. @type {Set<string>} */
    this.watched = new Set();
    /** The frame rate this page asks the server for (0: every frame the relay passes). */
    this.fps = 5;
    this.freshToken = false;
    /** @type {DashboardSocket} */
    this.socket = io({
      transports: ['websocket'],
      // Asked before every connection attempt, so a refused (expired) minted token is replaced.
      auth: (cb) => {
        socketToken(this.credential, { fresh: this.freshToken })
          .then((token) => cb({ token }))
          .catch((err) => {
            this.onState('refused', `cannot get a token: ${err.message}`);
            cb({});
          })
          .finally(() => (this.freshToken = false));
      },
    });
    bind(this.socket);
    this.unbatch();
    this.socket.on('connect', () => {
      this.onState('live');
      this.socket.emit('dashboard-subscribe', SUBSCRIPTION);
      for (const deviceId of this.watched) this.emitWatch(deviceId);
    });
    this.socket.on('disconnect', () => this.onState('reconnecting'));
    this.socket.on('connect_error', (err) => {
      // Transport trouble: socket.io retries by itself. A refusal by the server (bad or expired token) is final for that token.
      if (this.socket.active) return this.onState('reconnecting', err.message);
      // The server's refusal carries its error code in `data`: too many connections from this address is not the credential's fault.
      const code = /** @type {{ data?: { code?: string } }} */ (err).data?.code;
      if (code === 'rate_limited') {
        this.onState('reconnecting', err.message);
        setTimeout(() => this.socket.connect(), 10_000);
      } else if (this.credential.kind === 'apiKey') {
        this.freshToken = true;
        this.onState('reconnecting', err.message);
        // Not sooner: minting shares the server's per-address token rate limit with everything else here.
        setTimeout(() => this.socket.connect(), 10_000);
      } else {
        this.onState('refused', err.message);
      }
    });
  }

  /** Adds a headset to the preview wall's frames. @param {string} deviceId */
  watch(deviceId) {
    if (this.watched.has(deviceId)) return;
    this.watched.add(deviceId);
    if (this.socket.connected) this.emitWatch(deviceId);
  }

  /** @param {string} deviceId */
  unwatch(deviceId) {
    if (!this.watched.delete(deviceId)) return;
    if (this.socket.connected) this.socket.emit('dashboard-unwatch-device', deviceId);
  }

  /** A new frame rate for every watched headset: the server drops frames for this page down to it. @param {number} fps */
  setRate(fps) {
    this.fps = fps;
    if (this.socket.connected) for (const deviceId of this.watched) this.emitWatch(deviceId);
  }

  /** @param {string} deviceId */
  emitWatch(deviceId) {
    if (this.fps > 0) this.socket.emit('dashboard-watch-preview', { deviceId, fps: /** @type {1 | 2 | 5 | 10 | 15} */ (this.fps) });
    else this.socket.emit('dashboard-watch-device', deviceId);
  }

  /** Asks for the whole fleet again (a device appeared that this page has not seen). */
  resubscribe() {
    if (this.socket.connected) this.socket.emit('dashboard-subscribe', SUBSCRIPTION);
  }

  /**
   * The page subscribes to batched telemetry (one message per TELEMETRY_BATCH_MS, however large the
   * fleet) and handles each update of a batch with its own on-device-telemetry-updated listeners,
   * which still receive the previewed headset's updates one by one: one code path for both.
   */
  unbatch() {
    this.socket.on('on-fleet-telemetry-batch', (batch) => {
      const listeners = this.socket.listeners('on-device-telemetry-updated');
      for (const update of batch.updates) for (const listener of listeners) listener(update);
    });
  }

  close() {
    this.socket.close();
  }
}
