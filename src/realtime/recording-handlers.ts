import { z } from 'zod';
import { deviceIdSchema } from '../auth';
import type { RecordingCommand } from '../fleet/recording-commands';
import type { RealtimeContext } from './context';
import { EventRejection, none, one, type EventRouter } from './event-router';
import { identifiedDevice } from './headset-handlers';
import { sendRecordingCommand, sendRecordingCommands } from './recording-control';
import { rooms, watchersOf } from './rooms';
import { tabletIdOf } from './tablet-identity';
import type { CaptureSocket } from './types';

const MAX_METADATA_BYTES = 100 * 1024;

export function registerRecordingHandlers(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  const { locks, devices, notifier, commands } = ctx;
  const tablet = ['tablet'] as const;
  const tabletId = tabletIdOf(socket);

  const command = (deviceId: string, kind: RecordingCommand) => sendRecordingCommand(ctx, tabletId, deviceId, kind);
  const commandAll = async (kind: RecordingCommand) => ({
    ok: true as const,
    ...(await sendRecordingCommands(ctx, tabletId, await locks.heldBy(tabletId), kind)),
  });

  router.on('tablet-start-recording', { roles: tablet, args: one(deviceIdSchema) }, (id) => command(id, 'start'));
  router.on('tablet-stop-recording', { roles: tablet, args: one(deviceIdSchema) }, (id) => command(id, 'stop'));
  router.on('tablet-toggle-recording', { roles: tablet, args: one(deviceIdSchema) }, (id) => command(id, 'toggle'));
  router.on('tablet-start-all-recording', { roles: tablet, args: none }, () => commandAll('start'));
  router.on('tablet-stop-all-recording', { roles: tablet, args: none }, () => commandAll('stop'));
  router.on('tablet-toggle-all-recording', { roles: tablet, args: none }, () => commandAll('toggle'));

  router.on('tablet-get-recording-status', { roles: tablet, args: one(deviceIdSchema) }, async (deviceId) => {
    const device = await devices.snapshot(deviceId);
    if (!device) throw new EventRejection(`device ${deviceId} is unknown`, 'unknown_device');
    const status = { deviceId, isRecording: device.record.isRecording, isOnline: device.record.isOnline };
    socket.emit('on-recording-status', status);
    return { ok: true, ...status };
  });

  router.on(
    'tablet-sync-metadata',
    {
      roles: tablet,
      args: z
        .tuple([z.string().max(MAX_METADATA_BYTES, { message: `metadata over ${MAX_METADATA_BYTES} bytes` })])
        .rest(z.unknown())
        .transform(([data, target]) => ({ data, target })),
    },
    async ({ data, target }) => {
      let targets: string[];
      if (target === undefined || target === null) {
        targets = await locks.heldBy(tabletId);
      } else {
        const id = deviceIdSchema.safeParse(target);
        if (!id.success) throw new EventRejection('invalid targetDeviceId', 'invalid');
        if (!(await locks.isHeldBy(tabletId, id.data))) {
          throw new EventRejection(`device ${id.data} is not locked by this tablet`, 'not_holder');
        }
        targets = [id.data];
      }
      if (targets.length > 0) notifier.emit(targets.map(rooms.device), 'on-metadata-synced', data);
      return { ok: true, deviceIds: targets };
    },
  );

  router.on('headset-recording-state', { roles: ['headset'], args: one(z.boolean()) }, async (isRecording) => {
    const deviceId = identifiedDevice(socket);
    await devices.setRecording(deviceId, isRecording);
    commands.confirmed(deviceId, isRecording);
    notifier.emit([rooms.holder(deviceId), rooms.dashboards], 'on-device-recording-changed', { deviceId, isRecording });
    notifier.emit(watchersOf(deviceId), isRecording ? 'on-headset-recording-active' : 'on-headset-recording-inactive', deviceId);
    for (const listener of ctx.recordingStateListeners) await listener(deviceId, isRecording);
  });
}
