import { DomainError } from '../domain/errors';
import type { DeviceService } from './device-service';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';
import type { CaptureSocket } from '../realtime/types';
import { watching } from '../realtime/watching';

export interface ViewerLimits {
  /** Headsets one connection may view at once: each is a room (a Redis channel in a cluster). */
  maxWatchesPerSocket: number;
}

/**
 * Joining and leaving a headset's viewers room: the legacy tablet events and
 * the dashboard's watch events. Viewers receive the headset's status, logs
 * notices, telemetry and live frames. Only devices the store knows can be
 * viewed, and a connection views at most `maxWatchesPerSocket` of them, so a
 * client cannot make the server (and Redis) hold a room for every ID it invents.
 */
export function viewerSocket(devices: DeviceService, limits: ViewerLimits): SocketModule {
  return {
    register(socket, router) {
      const admit = async (deviceId: string) => {
        if (!socket.rooms.has(rooms.viewers(deviceId))) {
          if (viewedCount(socket) >= limits.maxWatchesPerSocket) {
            throw new DomainError('watch_limit', `this connection already views ${limits.maxWatchesPerSocket} devices; unwatch one first`);
          }
          if (!(await devices.isKnown(deviceId))) {
            throw new DomainError('unknown_device', `device ${deviceId} is unknown (it has never connected)`);
          }
        }
      };
      const join = async (deviceId: string) => {
        await admit(deviceId);
        await watching.viewerJoined(socket, deviceId);
        return { ok: true as const, deviceId };
      };
      const preview = async ({ deviceId, fps }: { deviceId: string; fps: number }) => {
        await admit(deviceId);
        await watching.previewJoined(socket, deviceId, fps);
        return { ok: true as const, deviceId, fps };
      };
      const leave = async (deviceId: string) => {
        await watching.viewerLeft(socket, deviceId);
        return { ok: true as const, deviceId };
      };
      router.on('tablet-connect-headset', join);
      router.on('tablet-disconnect-headset', leave);
      router.on('dashboard-watch-device', join);
      router.on('dashboard-watch-preview', preview);
      router.on('dashboard-unwatch-device', leave);
    },
  };
}

/** The socket's own rooms are the count: nothing extra to keep in step. */
function viewedCount(socket: CaptureSocket): number {
  let count = 0;
  for (const room of socket.rooms) if (rooms.isViewers(room)) count++;
  return count;
}
