import type { SocketModule } from '../realtime/socket-module';
import { rooms } from '../realtime/rooms';
import type { FleetContext } from './fleet-context';

/** Fleet updates for dashboards (and tablets) that subscribe. */
export function dashboardSocket(ctx: FleetContext): SocketModule {
  return {
    register(socket, router) {
      router.on('dashboard-subscribe', async ({ telemetry }) => {
        const states = await ctx.devices.deviceStates();
        // Subscribing again may switch how telemetry comes; never both ways at once.
        const [wanted, other] =
          telemetry === 'batched' ? [rooms.telemetryBatches, rooms.telemetryUpdates] : [rooms.telemetryUpdates, rooms.telemetryBatches];
        await socket.leave(other);
        await socket.join([rooms.dashboards, wanted]);
        ctx.broadcast.emit(socket.id, 'on-fleet-status-updated', states);
        // The state as it is now, not only its next change: a dashboard that came after the headsets sees them.
        await ctx.notifier.sendHeadsetLists(socket.id);
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
