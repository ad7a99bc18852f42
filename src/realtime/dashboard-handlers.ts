import { none, type EventRouter } from './event-router';
import { rooms } from './rooms';
import type { RealtimeContext } from './context';
import type { CaptureSocket } from './types';

export function registerDashboardHandlers(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  const viewers = ['dashboard', 'tablet'] as const;

  router.on('dashboard-subscribe', { roles: viewers, args: none }, async () => {
    const states = await ctx.devices.deviceStates();
    await socket.join(rooms.dashboards);
    ctx.notifier.emit(socket.id, 'on-fleet-status-updated', states);
    return { ok: true, devices: states.length };
  });

  router.on('dashboard-unsubscribe', { roles: viewers, args: none }, async () => {
    await socket.leave(rooms.dashboards);
  });
}
