import { rooms } from './rooms';
import type { CaptureIo, CaptureSocket } from './types';

/**
 * Membership of a headset's watch room: a socket is in it while it is a viewer
 * (tablet-connect-headset, dashboard-watch-device) or its tablet holds the lock.
 * The room operations reach sockets on every process.
 */
export const watching = {
  async viewerJoined(socket: CaptureSocket, deviceId: string): Promise<void> {
    await leavePreviews(socket, deviceId);
    await socket.join([rooms.viewers(deviceId), rooms.watch(deviceId)]);
  },

  /**
   * A preview viewer at a frame rate: in the viewers room (it counts toward the watch limit) and the rate's
   * preview room, not the watch room (which has every frame) unless its tablet holds the headset.
   */
  async previewJoined(socket: CaptureSocket, deviceId: string, fps: number): Promise<void> {
    await leavePreviews(socket, deviceId, rooms.preview(deviceId, fps));
    if (!socket.rooms.has(rooms.holder(deviceId))) await socket.leave(rooms.watch(deviceId));
    await socket.join([rooms.viewers(deviceId), rooms.preview(deviceId, fps)]);
  },

  async viewerLeft(socket: CaptureSocket, deviceId: string): Promise<void> {
    await leavePreviews(socket, deviceId);
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

/** Leaves the headset's preview rooms (a socket is in at most one), except `keep`. */
async function leavePreviews(socket: CaptureSocket, deviceId: string, keep?: string): Promise<void> {
  const prefix = rooms.preview(deviceId, 0).slice(0, -1);
  for (const room of [...socket.rooms]) if (room.startsWith(prefix) && room !== keep) await socket.leave(room);
}
