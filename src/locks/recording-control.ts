import { DomainError, isDomainError } from '../domain/errors';
import type { RecordingCommand } from './recording-commands';
import type { RealtimeContext } from '../realtime/context';
import { rooms } from '../realtime/rooms';

const COMMAND_EVENTS = {
  start: 'on-tablet-start-recording',
  stop: 'on-tablet-stop-recording',
  toggle: 'on-tablet-recording-toggled',
} as const satisfies Record<RecordingCommand, string>;

/**
 * Sends a recording command to a headset the tablet holds and tracks it until
 * the headset confirms. Anything else is denied with the spec's denial event,
 * nothing reaches the headset, and the refusal is thrown. Used by the
 * recording and session events.
 */
export async function sendRecordingCommand(
  ctx: RealtimeContext,
  tabletId: string,
  deviceId: string,
  kind: RecordingCommand,
): Promise<{ ok: true; deviceId: string; command: RecordingCommand }> {
  const deny = (refusal: DomainError): never => {
    const denial = kind === 'toggle' ? 'on-recording-toggle-denied' : 'on-recording-denied';
    ctx.notifier.emit(rooms.tablet(tabletId), denial, { deviceId, reason: refusal.message });
    throw refusal;
  };
  if (!(await ctx.locks.isHeldBy(tabletId, deviceId)))
    deny(new DomainError('not_holder', `device ${deviceId} is not locked by this tablet`));
  const device = await ctx.devices.snapshot(deviceId);
  if (!device?.record.isOnline) return deny(new DomainError('device_offline', `device ${deviceId} is offline`));
  const expected = kind === 'start' ? true : kind === 'stop' ? false : !device.record.isRecording;
  ctx.notifier.emit(rooms.device(deviceId), COMMAND_EVENTS[kind]);
  // A headset already in the requested state has nothing to confirm.
  if (device.record.isRecording !== expected) ctx.commands.sent(deviceId, tabletId, kind, expected);
  return { ok: true, deviceId, command: kind };
}

/** A command to each of the devices, answered per device: who was sent it, who was refused and why. */
export async function sendRecordingCommands(ctx: RealtimeContext, tabletId: string, deviceIds: readonly string[], kind: RecordingCommand) {
  const answers = await Promise.all(
    deviceIds.map(async (deviceId) => {
      try {
        await sendRecordingCommand(ctx, tabletId, deviceId, kind);
        return { deviceId, reason: undefined };
      } catch (err) {
        // An outage fails the whole request; a refusal only its device.
        if (!isDomainError(err) || err.code === 'store_unavailable') throw err;
        return { deviceId, reason: err.message };
      }
    }),
  );
  return {
    sent: answers.filter((a) => a.reason === undefined).map((a) => a.deviceId),
    denied: answers.flatMap((a) => (a.reason === undefined ? [] : [{ deviceId: a.deviceId, reason: a.reason }])),
  };
}
