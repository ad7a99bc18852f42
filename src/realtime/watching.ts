import { rooms } from './rooms';
import type { CaptureIo, CaptureSocket } from './types';

/**
 * Membership of a headset's watch room: a socket is in it while it is a viewer
 * (tablet-connect-headset, dashboard-watch-device) or its tablet holds the lock.
 * The room operations reach sockets on every process.
 */
export const watching = {
  async viewerJoined(socket: CaptureSocket, deviceId: string): Promise<void> {
    await socket.join([rooms.viewers(deviceId), rooms.watch(deviceId)]);
  },

  async viewerLeft(socket: CaptureSocket, deviceId: string): Promise<void> {
    await socket.leave(rooms.viewers(deviceId));
    if (!socket.rooms.has(rooms.holder(deviceId))) await socket.leave(rooms.watch(deviceId));
  },

  /** Every connection of the tablet, wherever it is, follows a headset it now holds. */
  lockTaken(io: CaptureIo, tabletId: string, deviceId: string): void {
    io.in(rooms.tablet(tabletId)).socketsJoin([rooms.holder(deviceId), rooms.watch(deviceId)]);
  },

  /** A returning tablet connection follows the headsets its tablet still holds, without re-locking. */
  async tabletReturned(socket: CaptureSocket, heldDeviceIds: readonly string[]): Promise<void> {
    await socket.join(heldDeviceIds.flatMap((id) => [rooms.holder(id), rooms.watch(id)]));
  },

  /** Stops following a released headset, except where the connection also views it. */
  lockReleased(io: CaptureIo, tabletId: string, deviceId: string): void {
    io.in(rooms.tablet(tabletId)).except(rooms.viewers(deviceId)).socketsLeave(rooms.watch(deviceId));
    io.in(rooms.tablet(tabletId)).socketsLeave(rooms.holder(deviceId));
  },
};
