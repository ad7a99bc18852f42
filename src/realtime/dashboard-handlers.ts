import type { EventRouter } from './event-router';
import { rooms } from './rooms';
import type { RealtimeContext } from './context';
import type { CaptureSocket } from './types';

export function registerDashboardHandlers(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  router.on('dashboard-subscribe', async () => {
    const states = await ctx.devices.deviceStates();
    await socket.join(rooms.dashboards);
    ctx.notifier.emit(socket.id, 'on-fleet-status-updated', states);
    return { ok: true, devices: states.length };
  });

  router.on('dashboard-unsubscribe', async () => {
    await socket.leave(rooms.dashboards);
    return { ok: true };
  });
}
