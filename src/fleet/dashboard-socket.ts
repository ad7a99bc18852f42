import { Gauge } from 'prom-client';
import type { SocketModule } from '../realtime/socket-module';
import type { CaptureIo } from '../realtime/types';
import { rooms } from '../realtime/rooms';
import type { RealtimeContext } from '../realtime/context';

/** Fleet updates for dashboards (and tablets) that subscribe. */
export function dashboardSocket(ctx: RealtimeContext, io: CaptureIo): SocketModule {
  new Gauge({
    name: 'turing_dashboard_subscribers_total',
    help: 'Dashboard subscribers on this process',
    registers: [ctx.metrics.registry],
    collect() {
      this.set(io.of('/').adapter.rooms.get(rooms.dashboards)?.size ?? 0);
    },
  });
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
