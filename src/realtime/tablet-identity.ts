import type { SocketData } from '../protocol';

/**
 * The tablet's identity: the device ID of its token, so locks survive a
 * reconnect. Unauthenticated legacy tablets (AUTH_REQUIRED=false) have only
 * their socket ID.
 */
export function tabletIdOf(socket: { id: string; data: SocketData }): string {
  return socket.data.authenticated && socket.data.deviceId ? socket.data.deviceId : socket.id;
}

/** Tablets, and unauthenticated legacy clients (who may be tablets). */
export function mayBeTablet(socket: { data: SocketData }): boolean {
  return socket.data.deviceType === 'tablet' || !socket.data.authenticated;
}
