import { z } from 'zod';
import { deviceIdSchema } from '../auth';
import { telemetryPayloadSchema } from '../fleet/telemetry';
import { EventRejection, none, one, type EventRouter } from './event-router';
import { rooms, watchersOf } from './rooms';
import type { RealtimeContext } from './context';
import type { CaptureSocket } from './types';

const MAX_STATUS_BYTES = 10 * 1024;

/** The spec sends a bare ID; some builds send { deviceId }. */
const identifyPayload = z.union([deviceIdSchema, z.strictObject({ deviceId: deviceIdSchema }).transform((p) => p.deviceId)]);

/** The identified headset of this socket, or a rejection. */
export function identifiedDevice(socket: CaptureSocket): string {
  const id = socket.data.identifiedDeviceId;
  if (!id) throw new EventRejection('send headset-identify first', 'not_identified');
  return id;
}

export function registerHeadsetHandlers(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  const { devices, notifier, presence, metrics } = ctx;
  const headset = ['headset'] as const;

  router.on('headset-identify', { roles: headset, args: one(identifyPayload) }, async (deviceId) => {
    const { authenticated, deviceId: tokenDeviceId } = socket.data;
    if (authenticated && deviceId !== tokenDeviceId) {
      throw new EventRejection('headset-identify must name the device of the token', 'spoofed_identity');
    }
    const previous = socket.data.identifiedDeviceId;
    if (previous && previous !== deviceId) {
      throw new EventRejection('this connection is already identified as another device', 'spoofed_identity');
    }
    await devices.identify(deviceId, socket.id);
    socket.data.identifiedDeviceId = deviceId;
    if (!authenticated) socket.data.deviceType = 'headset';
    await socket.join(rooms.device(deviceId));
    metrics.deviceConnections.inc({ type: 'headset', event: 'identify' });
    socket.emit('on-headset-connected');
    presence.note(deviceId, 'online');
    notifier.presenceChanged(deviceId, 'online', new Date());
    notifier.headsetListsChanged();
    return { ok: true, deviceId };
  });

  router.on(
    'headset-status',
    { roles: headset, args: one(z.string().max(MAX_STATUS_BYTES, { message: `status over ${MAX_STATUS_BYTES} bytes` })) },
    async (data) => {
      const deviceId = identifiedDevice(socket);
      notifier.emit(watchersOf(deviceId), 'on-headset-status-updated', data, deviceId);
      await devices.touch(deviceId);
    },
  );

  router.on('device-telemetry', { roles: headset, args: one(telemetryPayloadSchema) }, async (telemetry) => {
    const deviceId = identifiedDevice(socket);
    if (telemetry.deviceId !== deviceId) {
      throw new EventRejection('telemetry deviceId must be the identified device', 'spoofed_identity');
    }
    const snapshot = await devices.recordTelemetry(telemetry);
    if (!snapshot) throw new EventRejection('device is not registered; send headset-identify again', 'not_identified');
    notifier.telemetryUpdated(snapshot);
    for (const listener of ctx.telemetryListeners) await listener(snapshot);
  });

  router.on('headset-logs-processed', { roles: headset, args: none }, async () => {
    const deviceId = identifiedDevice(socket);
    notifier.emit(watchersOf(deviceId), 'on-headset-logs-processed', deviceId);
  });
}

/** On disconnect: offline unless the headset already reconnected on another socket. */
export async function headsetDisconnected(socket: CaptureSocket, ctx: RealtimeContext): Promise<void> {
  const deviceId = socket.data.identifiedDeviceId;
  if (deviceId) await headsetGone(deviceId, socket.id, ctx);
}

/**
 * The headset's connection `connectionId` is gone (a disconnect, or its process
 * died): offline and announced, unless it has already reconnected elsewhere.
 */
export async function headsetGone(deviceId: string, connectionId: string, ctx: RealtimeContext): Promise<void> {
  const wentOffline = await ctx.devices.disconnect(deviceId, connectionId);
  if (!wentOffline) return;
  ctx.presence.note(deviceId, 'offline');
  ctx.notifier.presenceChanged(deviceId, 'offline', new Date());
  ctx.notifier.headsetListsChanged();
  ctx.notifier.emit(watchersOf(deviceId), 'on-headset-disconnected', deviceId);
  // The tablet holding it is told, so the operator knows why the preview stopped.
  const holder = await ctx.locks.holderOf(deviceId);
  if (holder) ctx.notifier.emit(rooms.tablet(holder), 'on-device-disconnected', { deviceId });
}
