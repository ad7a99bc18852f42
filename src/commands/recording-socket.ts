import { DomainError } from '../domain/errors';
import { deviceIdSchema } from '../domain/ids';
import type { DomainEvents } from '../domain/events';
import { identifiedDevice, type DeviceService } from '../fleet';
import type { LockService } from '../locks';
import type { RecordingCommand } from '../protocol';
import type { Broadcaster } from '../realtime/broadcaster';
import type { EventRouter } from '../realtime/event-router';
import { rooms, watchersOf } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureSocket } from '../realtime/types';
import type { CommandAction } from '../domain/commands';
import type { CommandLedger } from './command-ledger';
import type { RecordingCommands } from './recording-commands';

export interface RecordingSocketDeps {
  commands: RecordingCommands;
  ledger: CommandLedger;
  locks: LockService;
  devices: DeviceService;
  events: DomainEvents;
  broadcast: Broadcaster;
}

/** Recording commands to held headsets, metadata to them, and the headsets' reports of their recording state. */
export function recordingCommandSocket(d: RecordingSocketDeps): SocketModule {
  return { register: (socket, router) => registerRecordingEvents(router, socket, d) };
}

function registerRecordingEvents(router: EventRouter, socket: CaptureSocket, d: RecordingSocketDeps): void {
  const { locks, devices, broadcast, commands } = d;
  const tabletId = tabletIdOf(socket);

  const command = ({ deviceId, commandId }: { deviceId: string; commandId?: string }, kind: RecordingCommand) =>
    commands.send(tabletId, deviceId, kind, commandId !== undefined ? { commandId } : {});
  const commandAll = async (kind: RecordingCommand, { commandId }: { commandId?: string }, action: CommandAction) => ({
    ok: true as const,
    ...(await commands.sendAll(tabletId, await locks.heldBy(tabletId), kind, {
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
    if (targets.length > 0) broadcast.emit(targets.map(rooms.device), 'on-metadata-synced', data);
    await d.events.publish('metadata.synced', { tabletId, deviceIds: targets, bytes: Buffer.byteLength(data) });
    return { ok: true, deviceIds: targets };
  });

  router.on('headset-recording-state', async (isRecording) => {
    const deviceId = identifiedDevice(socket);
    // The command first: the timeline's recording entry names the command the report confirmed.
    await d.ledger.reported(deviceId, isRecording);
    await devices.setRecording(deviceId, isRecording);
    broadcast.emit([rooms.holder(deviceId), rooms.dashboards], 'on-device-recording-changed', { deviceId, isRecording });
    broadcast.emit(watchersOf(deviceId), isRecording ? 'on-headset-recording-active' : 'on-headset-recording-inactive', deviceId);
    return { ok: true };
  });
}
