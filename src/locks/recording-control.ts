import type { RecordingCommand } from './recording-commands';
import type { ServerToClientEvents } from '../protocol';
import type { RealtimeContext } from '../realtime/context';
import { rooms } from '../realtime/rooms';

const COMMAND_EVENTS: Record<RecordingCommand, keyof ServerToClientEvents> = {
  start: 'on-tablet-start-recording',
  stop: 'on-tablet-stop-recording',
  toggle: 'on-tablet-recording-toggled',
};

export type CommandResult = { ok: true; deviceId: string; command: RecordingCommand } | { ok: false; error: string };

/**
 * Sends a recording command to a headset the tablet holds and tracks it until
 * the headset confirms. Anything else is denied with the spec's denial event
 * and nothing reaches the headset. Used by the recording and session events.
 */
export async function sendRecordingCommand(
  ctx: RealtimeContext,
  tabletId: string,
  deviceId: string,
  kind: RecordingCommand,
): Promise<CommandResult> {
  const toTablet = rooms.tablet(tabletId);
  const denial = kind === 'toggle' ? 'on-recording-toggle-denied' : 'on-recording-denied';
  const deny = (reason: string): CommandResult => {
    ctx.notifier.emit(toTablet, denial, { deviceId, reason });
    return { ok: false, error: reason };
  };
  if (!(await ctx.locks.isHeldBy(tabletId, deviceId))) return deny(`device ${deviceId} is not locked by this tablet`);
  const device = await ctx.devices.snapshot(deviceId);
  if (!device?.record.isOnline) return deny(`device ${deviceId} is offline`);
  const expected = kind === 'start' ? true : kind === 'stop' ? false : !device.record.isRecording;
  ctx.notifier.emit(rooms.device(deviceId), COMMAND_EVENTS[kind] as 'on-tablet-start-recording');
  // A headset already in the requested state has nothing to confirm.
  if (device.record.isRecording !== expected) ctx.commands.sent(deviceId, tabletId, kind, expected);
  return { ok: true, deviceId, command: kind };
}

/** A command to each of the devices; answered like the single form, per device. */
export async function sendRecordingCommands(ctx: RealtimeContext, tabletId: string, deviceIds: readonly string[], kind: RecordingCommand) {
  const results = await Promise.all(deviceIds.map((id) => sendRecordingCommand(ctx, tabletId, id, kind)));
  return {
    sent: results.flatMap((r) => (r.ok ? [r.deviceId] : [])),
    denied: results.flatMap((r, i) => (r.ok ? [] : [{ deviceId: deviceIds[i]!, reason: r.error }])),
  };
}
