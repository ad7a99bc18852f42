import { DomainError } from '../domain/errors';
import type { EventRouter } from '../realtime/event-router';
import type { SocketModule } from '../realtime/socket-module';
import { rooms, watchersOf } from '../realtime/rooms';
import type { FleetContext } from './fleet-context';
import type { CaptureSocket } from '../realtime/types';
import { UnknownTelemetryKeys } from './unknown-telemetry-keys';

/** The identified headset of this socket, or a rejection. */
export function identifiedDevice(socket: CaptureSocket): string {
  const id = socket.data.identifiedDeviceId;
  if (!id) throw new DomainError('not_identified', 'send headset-identify first');
  return id;
}

/** headset-identify, status, telemetry and logs; a headset's disconnect. */
export function headsetSocket(ctx: FleetContext): SocketModule {
  const unknownKeys = new UnknownTelemetryKeys(ctx.metrics, ctx.logger);
  return {
    register: (socket, router) => registerHeadsetEvents(router, socket, ctx, unknownKeys),
    disconnected: (socket) => headsetDisconnected(socket, ctx),
  };
}

function registerHeadsetEvents(router: EventRouter, socket: CaptureSocket, ctx: FleetContext, unknownKeys: UnknownTelemetryKeys): void {
  const { devices, notifier, presence, metrics, broadcast } = ctx;
  router.on('headset-identify', async (deviceId) => {
    const { authenticated, deviceId: tokenDeviceId } = socket.data;
    if (authenticated && deviceId !== tokenDeviceId) {
      throw new DomainError('spoofed_identity', 'headset-identify must name the device of the token');
    }
    const previous = socket.data.identifiedDeviceId;
    if (previous && previous !== deviceId) {
      throw new DomainError('spoofed_identity', 'this connection is already identified as another device');
    }
    await devices.identify(deviceId, socket.id);
    replaceOlderConnections(socket, deviceId);
    socket.data.identifiedDeviceId = deviceId;
    if (!authenticated) socket.data.deviceType = 'headset';
    await socket.join(rooms.device(deviceId));
    metrics.deviceConnections.inc({ type: 'headset', event: 'identify' });
    router.reply('on-headset-connected');
    presence.note(deviceId, 'online');
    notifier.presenceChanged(deviceId, 'online', new Date());
    notifier.headsetListsChanged();
    return { ok: true, deviceId };
  });

  router.on('headset-status', async (data) => {
    const deviceId = identifiedDevice(socket);
    broadcast.emit(watchersOf(deviceId), 'on-headset-status-updated', data, deviceId);
    await devices.touch(deviceId);
  });

  router.on('device-telemetry', async ({ telemetry, unknownKeys: dropped }) => {
    const deviceId = identifiedDevice(socket);
    if (telemetry.deviceId !== deviceId) {
      throw new DomainError('spoofed_identity', 'telemetry deviceId must be the identified device');
    }
    unknownKeys.report(deviceId, dropped);
    let snapshot = await devices.recordTelemetry(telemetry);
    if (!snapshot) {
      // The store lost the record of this identified connection (Redis restarted empty): register it again, and the others soon.
      ctx.recordMissing();
      await devices.identify(deviceId, socket.id);
      snapshot = await devices.recordTelemetry(telemetry);
    }
    if (!snapshot) throw new DomainError('not_identified', 'device is not registered; send headset-identify again');
    notifier.telemetryUpdated(snapshot);
  });

  router.on('headset-logs-processed', async () => {
    const deviceId = identifiedDevice(socket);
    broadcast.emit(watchersOf(deviceId), 'on-headset-logs-processed', deviceId);
  });
}

/**
 * One connection per device: an older one (on any process) is told why and closed. Left open,
 * it would look connected while the device record names the newer one, so the newer one's
 * close would show the headset offline although it still had a connection.
 */
function replaceOlderConnections(socket: CaptureSocket, deviceId: string): void {
  // socket.to() leaves this socket out; the notice is flushed before the close.
  const older = socket.to(rooms.device(deviceId));
  const reason = `another connection identified as ${deviceId}; this one is closed (one connection per device)`;
  older.emit('on-connection-replaced', { deviceId, reason });
  older.disconnectSockets(true);
}

/** On disconnect: offline unless the headset already reconnected on another socket. */
async function headsetDisconnected(socket: CaptureSocket, ctx: FleetContext): Promise<void> {
  const deviceId = socket.data.identifiedDeviceId;
  if (deviceId) await headsetGone(deviceId, socket.id, ctx);
}

/**
 * The headset's connection `connectionId` is gone (a disconnect, or its process
 * died): offline and announced, unless it has already reconnected elsewhere.
 */
export async function headsetGone(deviceId: string, connectionId: string, ctx: FleetContext): Promise<void> {
  const wentOffline = await ctx.devices.disconnect(deviceId, connectionId);
  if (!wentOffline) return;
  ctx.presence.note(deviceId, 'offline');
  ctx.notifier.presenceChanged(deviceId, 'offline', new Date());
  ctx.notifier.headsetListsChanged();
  ctx.broadcast.emit(watchersOf(deviceId), 'on-headset-disconnected', deviceId);
}
