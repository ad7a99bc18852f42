// @ts-check
import { el } from './dom.js';
import { DetailDialog } from './detail-dialog.js';
import { clock, duration, percent } from './format.js';
import { ACTIVE_SESSION_STATUSES } from './fleet-state.js';

/**
 * @typedef {import('./fleet-state.js').FleetState} FleetState
 * @typedef {import('./detail-dialog.js').DetailSection} DetailSection
 * @typedef {import('./detail-dialog.js').DetailContext} DetailContext
 * @typedef {import('../../../../src/protocol').SessionView} SessionView
 */

/** Metadata values are the tablet's: shown as text, each cut to this length. */
const MAX_META_CHARS = 200;

/**
 * One capture session: who (participant, task, every other metadata field),
 * when, and each headset's part (presence now, recording, frames, upload).
 * Sections other features add (the session's recordings and their verdicts,
 * recordings-view.js) come after.
 */
export class SessionDetailView extends DetailDialog {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {{ sections: DetailSection[], context: DetailContext, onClose: () => void, onDevice: (deviceId: string) => void }} options
   */
  constructor(dialog, options) {
    super(dialog, options);
    this.onDevice = options.onDevice;
    /** A session the list does not hold (older than its page): fetched once on open. @type {SessionView | undefined} */
    this.fetched = undefined;
  }

  /** @param {string} sessionId */
  open(sessionId) {
    if (this.id !== sessionId) this.fetched = undefined;
    super.open(sessionId);
    if (!this.options.context.state.sessions.has(sessionId)) {
      this.options.context
        .api(`/api/sessions/${encodeURIComponent(sessionId)}`)
        .then((body) => {
          if (this.id === sessionId) this.fetched = body.session;
        })
        .catch((err) => {
          if (this.id === sessionId) this.draw(`Session ${sessionId}`, [{ heading: 'Session', facts: [['Error', err.message]] }]);
        });
    }
  }

  /** @param {FleetState} state */
  update(state) {
    if (!this.id) return;
    const s = state.sessions.get(this.id) ?? this.fetched;
    if (!s) return this.draw(`Session ${this.id}`, [{ heading: 'Session', facts: [['Status', 'loading…']] }]);
    const meta = s.metadata ?? {};
    const running = ACTIVE_SESSION_STATUSES.includes(s.status);
    const metaFacts = Object.entries(meta)
      .filter(([k]) => k !== 'participant' && k !== 'task')
      .slice(0, 30)
      .map(([k, v]) => /** @type {[string, string]} */ ([k, metaText(v)]));
    const title = [meta.participant, meta.task]
      .filter((v) => v !== undefined)
      .map(metaText)
      .join(' · ');
    this.draw(
      `Session ${title || s.sessionId}`,
      [
        {
          heading: 'Session',
          facts: [
            ['Session ID', s.sessionId, 'session-id'],
            ['Participant', meta.participant === undefined ? '–' : metaText(meta.participant), 'participant'],
            ['Task', meta.task === undefined ? '–' : metaText(meta.task), 'task'],
            ['Tablet', s.tabletId, 'tablet'],
            ['Status', s.status, 'status'],
            ['Created', clock(s.createdAt)],
            ['Started', s.startedAt ? clock(s.startedAt) : 'not yet', 'started'],
            ['Ended', s.endedAt ? clock(s.endedAt) : running ? 'still running' : '–'],
            ...(s.endReason ? [/** @type {[string, string]} */ (['End reason', s.endReason])] : []),
            ['Duration', duration(s.duration), 'duration'],
          ],
        },
        ...(metaFacts.length ? [{ heading: 'Other metadata', facts: metaFacts }] : []),
      ],
      [this.devicesTable(s, state)],
    );
  }

  /** @param {SessionView} s @param {FleetState} state */
  devicesTable(s, state) {
    const head = el(
      'tr',
      {},
      ['Headset', 'Now', 'In session', 'Frames', 'Upload', 'Verdict'].map((h) => el('th', { text: h })),
    );
    const rows = s.deviceIds.map((id) => {
      const part = s.deviceStatuses[id];
      const device = state.devices.get(id);
      const open = el('button', { text: id, className: 'link' });
      open.type = 'button';
      open.setAttribute('aria-label', `Details of ${id}`);
      open.addEventListener('click', () => this.onDevice(id));
      const upload = part
        ? `${part.uploadStatus}${part.uploadStatus === 'uploading' ? ` ${percent(part.uploadProgress / 100)}` : ''}`
        : '–';
      return el('tr', { data: { deviceId: id } }, [
        el('td', {}, [open]),
        el('td', { text: device ? device.status : 'unknown' }),
        el('td', { text: part?.isRecording ? '● recording' : 'not recording', className: part?.isRecording ? 'rec' : '' }),
        el('td', { text: part ? String(part.frameCount) : '–', className: 'num' }),
        el('td', { text: upload, className: part?.uploadStatus === 'failed' ? 'low' : '' }),
        // The integrity gate's verdict on this headset's latest recording in the session (its reasons: the Recordings section).
        el('td', { text: part?.verdict ?? '–', className: part?.verdict === 'fail' ? 'low' : '', data: { field: 'verdict' } }),
      ]);
    });
    return el('section', { className: 'fact-group wide' }, [
      el('h3', { text: `Headsets (${s.deviceIds.length})` }),
      el('div', { className: 'table-wrap' }, [el('table', { className: 'compact' }, [el('thead', {}, [head]), el('tbody', {}, rows)])]),
    ]);
  }
}

/** @param {unknown} v */
function metaText(v) {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return text.length > MAX_META_CHARS ? `${text.slice(0, MAX_META_CHARS)}…` : text;
}
