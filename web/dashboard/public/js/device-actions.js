// @ts-check
import { el } from './dom.js';
import { button } from './form-controls.js';

/**
 * The device page's actions on the headset (docs/DASHBOARD.md): stop its
 * recording (POST /api/devices/:id/stop-recording) and release a tablet's
 * control of it (POST /api/devices/:id/unlock). Each answers in words in the
 * page's status line. Releasing from a tablet that is still connected is
 * refused by the server (lock_held); the page then offers "Release anyway".
 * Rename gives the headset the name operators know it by
 * (POST /api/devices/:id/name; an empty name removes it).
 * Both are audited by the server with this page's credential as the actor.
 * @typedef {import('./detail-dialog.js').DetailContext} DetailContext
 * @typedef {import('./fleet-state.js').DeviceRow} DeviceRow
 */
export class DeviceActions {
  /** @param {DetailContext} context */
  constructor(context) {
    this.context = context;
    /** @type {string | undefined} */
    this.deviceId = undefined;
    this.stop = button('Stop recording', () => void this.stopRecording(), { className: 'stop-recording' });
    this.release = button('Release tablet control', () => void this.unlock(false), { className: 'release-lock' });
    this.force = button('Release anyway', () => void this.unlock(true), { className: 'release-force' });
    this.force.hidden = true;
    this.nameInput = /** @type {HTMLInputElement} */ (el('input', { className: 'device-name' }));
    this.nameInput.setAttribute('aria-label', 'Name for this headset');
    this.nameInput.maxLength = 60;
    this.rename = button('Rename', () => void this.renameDevice(), { className: 'rename-device' });
    this.status = el('p', { className: 'status', data: { action: 'result' } });
    this.status.setAttribute('role', 'status');
  }

  /** The nodes to place on the page. */
  nodes() {
    return [this.stop, this.release, this.force, this.nameInput, this.rename];
  }

  /** Follows the device's live state: which actions apply now. @param {DeviceRow | undefined} d */
  update(d) {
    if (d?.deviceId !== this.deviceId) {
      this.deviceId = d?.deviceId;
      this.force.hidden = true;
      this.status.textContent = '';
      this.nameInput.value = d?.name ?? '';
    }
    this.stop.hidden = !d?.isRecording;
    this.stop.disabled = d?.status === 'offline';
    this.release.hidden = !d?.isLocked;
    if (!d?.isLocked) this.force.hidden = true;
    const label = d?.lockedByTabletId ? `Release Tablet ${d.lockedByTabletId}'s control` : 'Release tablet control';
    if (this.release.textContent !== label) this.release.textContent = label;
  }

  async stopRecording() {
    const id = this.deviceId;
    if (!id) return;
    await this.run(`/api/devices/${encodeURIComponent(id)}/stop-recording`, {}, (a) =>
      a.state === 'confirmed' ? `${id} was not recording.` : `Stop sent to ${id}; it confirms when it has stopped.`,
    );
  }

  async renameDevice() {
    const id = this.deviceId;
    if (!id) return;
    const name = this.nameInput.value.trim();
    await this.run(`/api/devices/${encodeURIComponent(id)}/name`, { name: name || null }, (a) =>
      a.name ? `${id} is now called “${a.name}”.` : `${id} has no name now.`,
    );
  }

  /** @param {boolean} force */
  async unlock(force) {
    const id = this.deviceId;
    if (!id) return;
    this.force.hidden = true;
    await this.run(
      `/api/devices/${encodeURIComponent(id)}/unlock`,
      force ? { force: true } : {},
      (a) => `Released ${id} from Tablet ${a.releasedFrom}${a.tabletConnected ? ' (it was connected; its operator was told)' : ''}.`,
      (code, message) => {
        if (code !== 'lock_held') return undefined;
        this.force.hidden = false;
        return `${message}. “Release anyway” takes it from that tablet's operator.`;
      },
    );
  }

  /**
   * @param {string} path @param {object} body @param {(answer: any) => string} said
   * @param {(code: string | undefined, message: string) => string | undefined} [refused] a refusal in words, when special
   */
  async run(path, body, said, refused) {
    this.status.textContent = 'Working…';
    try {
      this.status.textContent = said(await this.context.api(path, { method: 'POST', body }));
    } catch (err) {
      const e = /** @type {{ code?: string, message: string }} */ (err);
      const message = e.message.replace(/^\d+ /, '');
      this.status.textContent = refused?.(e.code, message) ?? `Refused: ${message}`;
    }
  }
}
