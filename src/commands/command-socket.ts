import type { RealtimeContext } from '../realtime/context';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';

const COMMAND_OF = { start: 'start', stop: 'stop', toggle: 'toggle', 'start-all': 'start', 'stop-all': 'stop' } as const;

/**
 * Tells the issuing tablet of every change of its commands (on-command-updated),
 * from the process where the change happened, through the tablet's room; an
 * expired command is also the older on-recording-command-timeout.
 */
export function commandSocket(ctx: RealtimeContext): SocketModule {
  const unsubscribe = ctx.events.on('command.changed', (c) => {
    if (c.issuedBy.kind !== 'tablet') return;
    const to = rooms.tablet(c.issuedBy.id);
    const now = new Date();
    ctx.notifier.emit(to, 'on-command-updated', {
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
      ctx.notifier.emit(to, 'on-recording-command-timeout', { deviceId: c.deviceId, command: COMMAND_OF[c.action] });
  });
  return { register: () => undefined, stop: unsubscribe };
}
