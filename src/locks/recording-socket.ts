import { DomainError } from '../domain/errors';
import { deviceIdSchema } from '../domain/ids';
import type { RecordingCommand } from '../protocol';
import type { RealtimeContext } from '../realtime/context';
import type { EventRouter } from '../realtime/event-router';
import type { SocketModule } from '../realtime/socket-module';
import { identifiedDevice } from '../fleet/headset-socket';
import { sendRecordingCommand, sendRecordingCommands } from '../commands/recording-control';
import { rooms, watchersOf } from '../realtime/rooms';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureSocket } from '../realtime/types';
import type { CommandAction } from '../state/types';

/** Recording commands to held headsets, and the headsets' reports of their recording state. */
export function recordingSocket(ctx: RealtimeContext): SocketModule {
  return { register: (socket, router) => registerRecordingEvents(router, socket, ctx) };
}

function registerRecordingEvents(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  const { locks, devices, notifier, commands } = ctx;
  const tabletId = tabletIdOf(socket);

  const command = ({ deviceId, commandId }: { deviceId: string; commandId?: string }, kind: RecordingCommand) =>
    sendRecordingCommand(ctx, tabletId, deviceId, kind, commandId !== undefined ? { commandId } : {});
  const commandAll = async (kind: RecordingCommand, { commandId }: { commandId?: string }, action: CommandAction) => ({
    ok: true as const,
    ...(await sendRecordingCommands(ctx, tabletId, await locks.heldBy(tabletId), kind, {
      action,
      ...(commandId !== undefined ? { commandId } : {}),
    })),
  });

  router.on('tablet-start-recording', (target) => command(target, 'start'));
  router.on('tablet-stop-recording', (target) => command(target, 'stop'));
  router.on('tablet-toggle-recording', (target) => command(target, 'toggle'));
  router.on('tablet-start-all-recording', (args) => commandAll('start', args, 'start-all'));
  router.on('tablet-stop-all-recording', (args) => commandAll('stop', args, 'stop-all'));
  router.on('tablet-toggle-all-recording', (args) => commandAll('toggle', args, 'toggle'));

  router.on('tablet-get-recording-status', async (deviceId) => {
    const device = await devices.snapshot(deviceId);
    if (!device) throw new DomainError('unknown_device', `device ${deviceId} is unknown`);
    const status = { deviceId, isRecording: device.record.isRecording, isOnline: device.record.isOnline };
    router.reply('on-recording-status', status);
    return { ok: true, ...status };
  });

  router.on('tablet-sync-metadata', async ({ data, target }) => {
    let targets: string[];
    if (target === undefined || target === null) {
      targets = await locks.heldBy(tabletId);
    } else {
      const id = deviceIdSchema.safeParse(target);
      if (!id.success) throw new DomainError('invalid', 'invalid targetDeviceId');
      if (!(await locks.isHeldBy(tabletId, id.data))) {
        throw new DomainError('not_holder', `device ${id.data} is not locked by this tablet`);
      }
      targets = [id.data];
    }
    if (targets.length > 0) notifier.emit(targets.map(rooms.device), 'on-metadata-synced', data);
    await ctx.events.publish('metadata.synced', { tabletId, deviceIds: targets, bytes: Buffer.byteLength(data) });
    return { ok: true, deviceIds: targets };
  });

  router.on('headset-recording-state', async (isRecording) => {
    const deviceId = identifiedDevice(socket);
    // The command first: the timeline's recording entry names the command the report confirmed.
    await commands.reported(deviceId, isRecording);
    await devices.setRecording(deviceId, isRecording);
    notifier.emit([rooms.holder(deviceId), rooms.dashboards], 'on-device-recording-changed', { deviceId, isRecording });
    notifier.emit(watchersOf(deviceId), isRecording ? 'on-headset-recording-active' : 'on-headset-recording-inactive', deviceId);
    return { ok: true };
  });
}
