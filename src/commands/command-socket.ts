import type { DomainEvents } from '../domain/events';
import type { RecordingCommand } from '../protocol';
import type { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';

const COMMAND_OF = { start: 'start', stop: 'stop', toggle: 'toggle', 'start-all': 'start', 'stop-all': 'stop' } as const;

const HEADSET_EVENTS = {
  start: 'on-tablet-start-recording',
  stop: 'on-tablet-stop-recording',
  toggle: 'on-tablet-recording-toggled',
} as const satisfies Record<RecordingCommand, string>;

/**
 * Delivers what the commands feature announces, to rooms, from the process
 * where it happened: the command itself to its headset, a refusal to the
 * tablet, and every change of a tablet's commands (on-command-updated; an
 * expired command is also the older on-recording-command-timeout).
 */
export function commandSocket(events: DomainEvents, broadcast: Broadcaster): SocketModule {
  const unsubscribe = [
    events.on('command.dispatched', ({ deviceId, command, commandId, startAt, startAtDeviceTime }) => {
      // A synchronized start tells the headset when; any other command has the spec's empty payload.
      if (command === 'start' && startAt !== undefined && startAtDeviceTime !== undefined) {
        broadcast.emit(rooms.device(deviceId), 'on-tablet-start-recording', { commandId, startAt, startAtDeviceTime });
      } else {
        broadcast.emit(rooms.device(deviceId), HEADSET_EVENTS[command]);
      }
    }),
    events.on('command.denied', ({ tabletId, deviceId, command, reason }) =>
      broadcast.emit(rooms.tablet(tabletId), command === 'toggle' ? 'on-recording-toggle-denied' : 'on-recording-denied', {
        deviceId,
        reason,
      }),
    ),
    events.on('command.changed', (c) => {
      if (c.issuedBy.kind !== 'tablet') return;
      const to = rooms.tablet(c.issuedBy.id);
      const now = new Date();
      broadcast.emit(to, 'on-command-updated', {
        commandId: c.commandId,
        action: c.action,
        deviceId: c.deviceId,
        issuedBy: c.issuedBy,
        issuedAt: (c.issuedAt ?? now).toISOString(),
        state: c.state,
        updatedAt: (c.updatedAt ?? now).toISOString(),
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
        ...(c.batchId ? { batchId: c.batchId } : {}),
        ...(c.sessionId ? { sessionId: c.sessionId } : {}),
      });
      if (c.state === 'expired')
        broadcast.emit(to, 'on-recording-command-timeout', { deviceId: c.deviceId, command: COMMAND_OF[c.action] });
    }),
  ];
  return { register: () => undefined, stop: () => unsubscribe.forEach((off) => off()) };
}
