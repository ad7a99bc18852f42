// @ts-check
import { el } from './dom.js';
import { clock } from './format.js';

/**
 * One alarm as a list item for people: severity in words, the headset (a link
 * to its page), the type in words, the message and how often it was seen,
 * when it was raised and how long ago, whether it escalated, who acknowledged
 * it or when it cleared, and Acknowledge while it is active.
 * @typedef {import('../../../../src/protocol').AlarmView} Alarm
 * @typedef {{ onAck: (alarm: Alarm) => void, ages: Array<[HTMLElement, string]> }} RowHooks
 */

/** @param {Alarm} alarm @param {RowHooks} hooks */
export function alarmRow(alarm, hooks) {
  const age = el('span', { className: 'alarm-age' });
  hooks.ages.push([age, alarm.raisedAt]);
  const device = el('a', { className: 'alarm-device', text: alarm.deviceId });
  device.href = `/dashboard/devices/${encodeURIComponent(alarm.deviceId)}`;
  const parts = [
    el('span', { className: 'alarm-severity', text: alarm.severity }),
    device,
    el('span', { className: 'alarm-type', text: typeWords(alarm.type) }),
    el('span', { className: 'alarm-message', text: alarm.count > 1 ? `${alarm.message} (seen ${alarm.count} times)` : alarm.message }),
    el('span', { className: 'alarm-raised' }, [el('time', { text: `raised ${clock(alarm.raisedAt)}` }), ', ', age]),
    el('span', { className: 'alarm-state', text: stateText(alarm) }),
  ];
  if (alarm.state === 'active') {
    const ack = el('button', { text: 'Acknowledge', className: 'alarm-ack', data: { alarmId: alarm.alarmId } });
    ack.type = 'button';
    ack.setAttribute('aria-label', `Acknowledge ${typeWords(alarm.type).toLowerCase()} on ${alarm.deviceId}`);
    ack.addEventListener('click', () => hooks.onAck(alarm));
    parts.push(ack);
  }
  return el(
    'li',
    {
      className: `alarm alarm-${alarm.severity} alarm-${alarm.state}`,
      data: { alarmId: alarm.alarmId, state: alarm.state, type: alarm.type },
    },
    parts,
  );
}

/**
 * Alarms grouped by type, each group a <details> (collapsible with the keyboard too) whose summary counts them;
 * groups with a critical alarm first. `expanded`: the types open before this redraw (all are closed at first).
 * @param {Alarm[]} alarms @param {(a: Alarm) => HTMLElement} row @param {Set<string | undefined>} expanded
 */
export function alarmGroups(alarms, row, expanded) {
  /** @type {Map<string, Alarm[]>} */
  const byType = new Map();
  for (const a of alarms) byType.set(a.type, [...(byType.get(a.type) ?? []), a]);
  const groups = [...byType.entries()].sort(
    ([, a], [, b]) =>
      Number(b.some((x) => x.severity === 'critical')) - Number(a.some((x) => x.severity === 'critical')) || b.length - a.length,
  );
  return el(
    'div',
    { className: 'alarm-groups' },
    groups.map(([type, list]) => {
      const critical = list.filter((a) => a.severity === 'critical').length;
      const devices = new Set(list.map((a) => a.deviceId)).size;
      const summary = el('summary', {
        text: `${typeWords(type)} · ${list.length} alarm${list.length === 1 ? '' : 's'} on ${devices} headset${devices === 1 ? '' : 's'}${critical ? `, ${critical} critical` : ''}`,
      });
      const details = el('details', { data: { type } }, [summary, el('ul', { className: 'alarm-list' }, list.map(row))]);
      details.open = expanded.has(type);
      return details;
    }),
  );
}

/** @param {Alarm} a */
function stateText(a) {
  const escalated = a.escalatedAt ? `escalated ${clock(a.escalatedAt)}; ` : '';
  if (a.state === 'cleared') return `${escalated}cleared ${a.clearedAt ? clock(a.clearedAt) : ''}`.trim();
  if (a.state === 'acknowledged') return `${escalated}acknowledged${a.acknowledgedBy ? ` by ${a.acknowledgedBy.id}` : ''}`;
  return `${escalated}active`;
}

/** @param {string} type */
function typeWords(type) {
  const text = type.replaceAll('_', ' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}
