import type { SocketModule } from '../realtime/socket-module';
import { rooms } from '../realtime/rooms';
import type { RealtimeContext } from '../realtime/context';

/** Fleet updates for dashboards (and tablets) that subscribe. */
export function dashboardSocket(ctx: RealtimeContext): SocketModule {
  return {
    register(socket, router) {
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
    },
  };
}
