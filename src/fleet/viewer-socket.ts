import type { SocketModule } from '../realtime/socket-module';
import { watching } from '../realtime/watching';

/**
 * Joining and leaving a headset's viewers room: the legacy tablet events and
 * the dashboard's watch events. Viewers receive the headset's status, logs
 * notices, telemetry and live frames.
 */
export const viewerSocket: SocketModule = {
  register(socket, router) {
    const join = async (deviceId: string) => {
      await watching.viewerJoined(socket, deviceId);
      return { ok: true as const, deviceId };
    };
    const leave = async (deviceId: string) => {
      await watching.viewerLeft(socket, deviceId);
      return { ok: true as const, deviceId };
    };
    router.on('tablet-connect-headset', join);
    router.on('tablet-disconnect-headset', leave);
    router.on('dashboard-watch-device', join);
    router.on('dashboard-unwatch-device', leave);
  },
};
