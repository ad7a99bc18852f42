import type { CaptureSocket } from './types';

/**
 * The tablet's identity: the device ID of its token, so locks survive a
 * reconnect. Unauthenticated legacy tablets (AUTH_REQUIRED=false) have only
 * their socket ID.
 */
export function tabletIdOf(socket: CaptureSocket): string {
  return socket.data.authenticated && socket.data.deviceId ? socket.data.deviceId : socket.id;
}
