// @ts-check
import { recordingName } from './panels-view.js';

/**
 * Timeline entries (docs/AUDIT.md) as sentences for people: "Tablet T1
 * started recording", "Take 14:30:05 failed the checks: …", never an event
 * kind like `command.confirmed` or a command's UUID. Who did it comes from the
 * entry's actor, or for a recording that started or stopped, from the command
 * it confirmed (found in the same list).
 * @typedef {import('./device-history-view.js').Entry} Entry
 */

const ACTIONS = {
  start: 'start recording',
  stop: 'stop recording',
  toggle: 'toggle recording',
  'start-all': 'start recording (all)',
  'stop-all': 'stop recording (all)',
};

/** "Tablet T1", "Dashboard DASH_1", "The admin key", "The server". @param {{ kind: string, id: string } | undefined} actor */
export function actorName(actor) {
  if (!actor) return 'Someone';
  if (actor.kind === 'admin') return 'The admin key';
  if (actor.kind === 'system') return 'The server';
  return `${actor.kind[0]?.toUpperCase()}${actor.kind.slice(1)} ${actor.id}`;
}

/** "take 14:30:05" from a recording ID (its folder name: date, time, headset). @param {unknown} id */
function take(id) {
  if (typeof id !== 'string') return 'a take';
  const [when] = recordingName(id);
  return when ? `take ${when.slice(11)} (${when.slice(0, 10)})` : 'a take';
}

/** @param {Entry[]} entries newest first @returns {Map<string, Entry>} the entry that issued each command */
export function commandIssuers(entries) {
  const issued = new Map();
  for (const e of entries) {
    const id = e.details?.commandId;
    if (e.kind === 'command.sent' && e.actor && typeof id === 'string') issued.set(id, e);
  }
  return issued;
}

/** One entry in words. @param {Entry} e @param {Map<string, Entry>} issuers */
export function sentence(e, issuers) {
  const d = e.details ?? {};
  const who = actorName(e.actor);
  const action = ACTIONS[/** @type {keyof typeof ACTIONS} */ (str(d.action))] ?? 'a recording command';
  const issuer = typeof d.commandId === 'string' ? issuers.get(d.commandId)?.actor : undefined;
  switch (e.kind) {
    case 'device.connected':
      return 'Connected to the server';
    case 'device.disconnected':
      return 'Disconnected';
    case 'device.stale':
      return 'Went silent (no telemetry)';
    case 'device.responsive':
      return 'Reporting again';
    case 'lock.locked':
      return `${who} took control`;
    case 'lock.unlocked':
      return typeof d.tabletId === 'string' ? `${who} released Tablet ${d.tabletId}'s control` : `${who} released control`;
    case 'command.sent':
      return e.actor ? `${who} asked it to ${action}` : `Sent: ${action}`;
    case 'command.confirmed':
      return `Headset confirmed: ${action}`;
    case 'command.failed':
      return `${e.actor ? `${who} could not` : 'Could not'} ${action}${d.reason ? `: ${str(d.reason)}` : ''}`;
    case 'command.expired':
      return `No answer in time to ${action}`;
    case 'recording.started':
      return issuer ? `${actorName(issuer)} started recording` : 'Started recording';
    case 'recording.stopped':
      return issuer ? `${actorName(issuer)} stopped recording` : 'Stopped recording';
    case 'recording.verdict':
      return `${cap(take(d.recordingId))} ${d.verdict === 'pass' ? 'passed' : 'failed'} the checks${
        typeof d.qaScore === 'number' ? ` (QA ${d.qaScore.toFixed(1)})` : ''
      }${d.verdict !== 'pass' && d.reasons ? `: ${str(d.reasons)}` : ''}`;
    case 'recording.reviewed':
      return `${who} ${d.decision === 'keep' ? 'kept' : d.decision === 'discard' ? 'discarded' : 'reviewed'} ${take(d.recordingId)}`;
    case 'battery.below':
      return `Battery fell below ${str(d.threshold)} % (${str(d.level)} %)`;
    case 'battery.above':
      return `Battery back above ${str(d.threshold)} % (${str(d.level)} %)`;
    case 'rest.write':
      return `${who}: ${str(d.method)} ${str(d.route)} (${str(d.status)})`;
    default:
      return defaultSentence(e, who);
  }
}

/** Uploads, alarms, sessions and anything newer: the kind's words, with who did it. @param {Entry} e @param {string} who */
function defaultSentence(e, who) {
  const d = e.details ?? {};
  const [family, change = ''] = e.kind.split('.');
  if (family === 'upload') return `Upload of the ${str(d.fileType ?? '')} file ${change}`.replace(/\s+/g, ' ');
  if (family === 'alarm') {
    const type = str(d.type ?? 'alarm').replaceAll('_', ' ');
    return `${cap(type)} alarm (${str(d.severity ?? '')}) ${change}${e.actor ? ` by ${actorName(e.actor)}` : ''}`;
  }
  if (family === 'session') return `${who} ${change} the session`;
  return `${cap(e.kind.replaceAll('.', ' ').replaceAll('-', ' '))}${e.actor ? ` (${who})` : ''}`;
}

/** @param {string} text */
function cap(text) {
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}

/** A detail's value as text: strings and numbers only (details are flat). @param {unknown} v */
function str(v) {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}
