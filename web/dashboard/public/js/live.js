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

export class LiveConnection {
  /**
   * @param {Credential} credential
   * @param {(socket: DashboardSocket) => void} bind registers the page's event listeners
   * @param {(state: LinkState, detail?: string) => void} onState
   */
  constructor(credential, bind, onState) {
    this.credential = credential;
    this.onState = onState;
    /** @type {string | undefined} */
    this.watched = undefined;
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
    this.socket.on('connect', () => {
      this.onState('live');
      this.socket.emit('dashboard-subscribe');
      if (this.watched) this.socket.emit('dashboard-watch-device', this.watched);
    });
    this.socket.on('disconnect', () => this.onState('reconnecting'));
    this.socket.on('connect_error', (err) => {
      // Transport trouble: socket.io retries by itself. A refusal by the server (bad or expired token) is final for that token.
      if (this.socket.active) return this.onState('reconnecting', err.message);
      if (this.credential.kind === 'apiKey') {
        this.freshToken = true;
        this.onState('reconnecting', err.message);
        // Not sooner: minting shares the server's per-address token rate limit with everything else here.
        setTimeout(() => this.socket.connect(), 10_000);
      } else {
        this.onState('refused', err.message);
      }
    });
  }

  /** Switches the preview to a headset (undefined: none). @param {string | undefined} deviceId */
  watch(deviceId) {
    if (this.watched === deviceId) return;
    if (this.watched) this.socket.emit('dashboard-unwatch-device', this.watched);
    this.watched = deviceId;
    if (deviceId && this.socket.connected) this.socket.emit('dashboard-watch-device', deviceId);
  }

  /** Asks for the whole fleet again (a device appeared that this page has not seen). */
  resubscribe() {
    if (this.socket.connected) this.socket.emit('dashboard-subscribe');
  }

  close() {
    this.socket.close();
  }
}
