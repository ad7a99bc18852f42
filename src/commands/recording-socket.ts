import { DomainError } from '../domain/errors';
import { deviceIdSchema } from '../domain/ids';
import type { DomainEvents } from '../domain/events';
import { identifiedDevice, type DeviceService } from '../fleet';
import type { ClockService } from '../clock';
import type { RecordingStart } from '../domain/clock';
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
  clock: ClockService;
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

  const command = ({ deviceId, ...options }: { deviceId: string; commandId?: string; startAt?: number }, kind: RecordingCommand) =>
    commands.send(tabletId, deviceId, kind, defined(options));
  const commandAll = async (kind: RecordingCommand, options: { commandId?: string; startAt?: number }, action: CommandAction) => ({
    ok: true as const,
    ...(await commands.sendAll(tabletId, await locks.heldBy(tabletId), kind, { action, ...defined(options) })),
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

  router.on('headset-recording-state', async ({ isRecording, startedAtDeviceTime }) => {
    const deviceId = identifiedDevice(socket);
    const reported = isRecording ? await startReport(d, deviceId, startedAtDeviceTime) : undefined;
    // The command first: the timeline's recording entry names the command the report confirmed.
    const confirmed = await d.ledger.reported(deviceId, isRecording, reported);
    // A start the report confirmed carries its plan (startAt) and batch beside the report.
    const start = confirmed.find((c) => c.start)?.start ?? reported;
    await devices.setRecording(deviceId, isRecording, start);
    broadcast.emit([rooms.holder(deviceId), rooms.dashboards], 'on-device-recording-changed', { deviceId, isRecording });
    broadcast.emit(watchersOf(deviceId), isRecording ? 'on-headset-recording-active' : 'on-headset-recording-inactive', deviceId);
    return { ok: true };
  });
}

/** The options given, without the ones left out (exactOptionalPropertyTypes: no `key: undefined`). */
function defined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/**
 * When a headset started recording, in server time: its own report converted
 * with its clock estimate, or, without one (an older app, or a clock not yet
 * measured), the report's arrival (late by the way over).
 */
async function startReport(d: RecordingSocketDeps, deviceId: string, startedAtDeviceTime: number | undefined): Promise<RecordingStart> {
  const arrivedAt = Date.now();
  if (startedAtDeviceTime === undefined) return { startedAt: arrivedAt };
  const converted = await d.clock.serverTimeOf(deviceId, startedAtDeviceTime);
  return converted
    ? { startedAt: converted.serverTime, startedAtDeviceTime, clock: converted.clock }
    : { startedAt: arrivedAt, startedAtDeviceTime };
}
