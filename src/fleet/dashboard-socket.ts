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
      router.on('dashboard-subscribe', async ({ telemetry }) => {
        const states = await ctx.devices.deviceStates();
        // Subscribing again may switch how telemetry comes; never both ways at once.
        const [wanted, other] =
          telemetry === 'batched' ? [rooms.telemetryBatches, rooms.telemetryUpdates] : [rooms.telemetryUpdates, rooms.telemetryBatches];
        await socket.leave(other);
        await socket.join([rooms.dashboards, wanted]);
        ctx.notifier.emit(socket.id, 'on-fleet-status-updated', states);
        // The spec's answer is unchanged for a client that did not opt in.
        return { ok: true, devices: states.length, ...(telemetry === 'batched' ? { telemetry } : {}) };
      });

      router.on('dashboard-unsubscribe', async () => {
        await socket.leave(rooms.dashboards);
        await socket.leave(rooms.telemetryUpdates);
        await socket.leave(rooms.telemetryBatches);
        return { ok: true };
      });
    },
  };
}
