import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor';
import { DomainError, isDomainError } from '../domain/errors';
import type { DomainEvents } from '../domain/events';
import type { DeviceService } from '../fleet';
import type { ClockService } from '../clock';
import type { LockService } from '../locks';
import type { RecordingCommand } from '../protocol';
import type { CommandAction } from '../domain/commands';
import type { CommandRecord } from '../state/types';
import { commandView, type CommandLedger } from './command-ledger';
import type { CommandRefusals } from './refusals';

export interface CommandOptions {
  /** The tablet's own ID for the command (a retry with it answers the first). */
  commandId?: string;
  /** The ledger's action: the per-device `start`/`stop`/`toggle`, or `start-all`/`stop-all`. */
  action?: CommandAction;
  batchId?: string;
  sessionId?: string;
  /** A synchronized start: when every headset starts (server epoch ms); see checkStartAt. */
  startAt?: number;
}

/** A synchronized start is at most this far ahead: further, the clocks' drift and the operator's patience both run out. */
export const MAX_START_LEAD_MS = 60_000;

export interface RecordingCommandsDeps {
  ledger: CommandLedger;
  locks: LockService;
  devices: DeviceService;
  clock: ClockService;
  events: DomainEvents;
  /** Counts and logs refused commands (which the ledger does not keep). */
  refusals: CommandRefusals;
  /** CLOCK_MIN_LEAD_MS: a synchronized start at least this far ahead. */
  minLeadMs: number;
  now?: () => number;
}

/**
 * Recording commands from a tablet to the headsets it holds, each a record of
 * the command ledger. It knows neither sockets nor rooms: what headsets and
 * tablets must hear is announced as domain events (command.dispatched,
 * command.denied), which the socket layer delivers.
 */
export class RecordingCommands {
  constructor(private readonly d: RecordingCommandsDeps) {}

  /**
   * Sends a recording command to a headset the tablet holds. A retry (a commandId
   * the ledger knows, with the same action, device and tablet) answers the existing
   * record and sends nothing. A refusal is counted and denied, is not recorded (so it
   * reserves no commandId), nothing reaches the headset, and the refusal is thrown.
   */
  async send(tabletId: string, deviceId: string, kind: RecordingCommand, options: CommandOptions = {}) {
    if (options.startAt !== undefined) this.checkStartAt(options.startAt);
    const issuedBy = { kind: 'tablet' as const, id: tabletId };
    const commandId = options.commandId ?? randomUUID();
    const answer = (record: CommandRecord, retried: boolean) => ({
      ok: true as const,
      deviceId,
      command: kind,
      commandId: record.commandId,
      state: record.state,
      retried,
      record: commandView(record),
    });
    const action = options.action ?? kind;
    const retryOf = (existing: CommandRecord) => answer(sameCommand(existing, { tabletId, deviceId, action }), true);
    if (options.commandId !== undefined) {
      const existing = await this.d.ledger.get(commandId);
      if (existing) return retryOf(existing);
    }
    const base = {
      commandId,
      action,
      deviceId,
      issuedBy,
      ...(options.batchId ? { batchId: options.batchId } : {}),
      ...(options.sessionId ? { sessionId: options.sessionId } : {}),
      ...(options.startAt !== undefined ? { startAt: options.startAt } : {}),
    };
    // A refusal is no ledger record: it reserves no commandId and costs the store nothing; it is counted and logged (refusals.ts).
    const deny = async (refusal: DomainError): Promise<never> => {
      this.d.refusals.refused(tabletId, deviceId, refusal.code);
      await this.d.events.publish('command.denied', { tabletId, deviceId, command: kind, reason: refusal.message, code: refusal.code });
      throw refusal;
    };
    if (!(await this.d.locks.isHeldBy(tabletId, deviceId))) {
      return deny(new DomainError('not_holder', `device ${deviceId} is not locked by this tablet`));
    }
    const device = await this.d.devices.snapshot(deviceId);
    if (!device?.record.isOnline) return deny(new DomainError('device_offline', `device ${deviceId} is offline`));
    const expected = kind === 'start' ? true : kind === 'stop' ? false : !device.record.isRecording;
    // A headset already in the requested state has nothing to confirm: the command is confirmed as it is sent.
    const settled =
      device.record.isRecording === expected ? { state: 'confirmed' as const, reason: 'already in the requested state' } : undefined;
    const recorded = await this.d.ledger.record({ ...base, expected, ...(settled ? { settled } : {}) });
    if (!recorded.created) return retryOf(recorded.record);
    // Recorded first, so a confirmation however fast finds the record.
    await this.d.events.publish('command.dispatched', {
      deviceId,
      command: kind,
      commandId,
      ...(await this.when(deviceId, options.startAt)),
    });
    return answer(recorded.record, false);
  }

  /**
   * An operator stops a headset's recording from the console, whichever tablet holds it (or none): a ledger
   * record issued by the operator, sent to the headset like a tablet's stop. A headset not recording is
   * answered confirmed at once (nothing to stop); an unknown or offline one is refused.
   */
  async stopAsOperator(actor: Actor, deviceId: string) {
    const device = await this.d.devices.snapshot(deviceId);
    if (!device) throw new DomainError('unknown_device', `device ${deviceId} is unknown (it has never connected)`);
    if (!device.record.isOnline) throw new DomainError('device_offline', `device ${deviceId} is offline`);
    const commandId = randomUUID();
    const settled = device.record.isRecording ? undefined : { state: 'confirmed' as const, reason: 'it was not recording' };
    const { record } = await this.d.ledger.record({
      commandId,
      action: 'stop',
      deviceId,
      issuedBy: actor,
      expected: false,
      ...(settled ? { settled } : {}),
    });
    if (!settled) await this.d.events.publish('command.dispatched', { deviceId, command: 'stop', commandId });
    return { ok: true as const, deviceId, commandId, state: record.state, record: commandView(record) };
  }

  /**
   * A synchronized start's time in the headset's clock. A headset whose clock is not
   * measured (it does not answer on-time-sync) is given startAt as it is: its offset is unknown.
   */
  private async when(deviceId: string, startAt: number | undefined) {
    if (startAt === undefined) return {};
    const converted = await this.d.clock.deviceTimeOf(deviceId, startAt);
    return { startAt, startAtDeviceTime: converted?.deviceTime ?? startAt };
  }

  /** A synchronized start is at least CLOCK_MIN_LEAD_MS ahead (time to reach every headset) and at most 60 s. */
  private checkStartAt(startAt: number): void {
    const lead = startAt - (this.d.now ?? Date.now)();
    if (lead < this.d.minLeadMs || lead > MAX_START_LEAD_MS) {
      throw new DomainError(
        'invalid_start_time',
        `startAt must be ${this.d.minLeadMs} ms to ${MAX_START_LEAD_MS / 1000} s ahead of the server's clock (it is ${Math.round(lead)} ms ahead)`,
      );
    }
  }

  /**
   * A command to each of the devices, answered per device: who was sent it, who
   * was refused and why, and each device's ledger record. With the tablet's
   * commandId, each device's command is `{commandId}.{deviceId}`, so a retry of
   * the whole request sends nothing twice.
   */
  async sendAll(tabletId: string, deviceIds: readonly string[], kind: RecordingCommand, options: Omit<CommandOptions, 'batchId'> = {}) {
    // Checked once for the whole request: a start too soon or too late is refused, not denied per headset.
    if (options.startAt !== undefined) this.checkStartAt(options.startAt);
    const batchId = options.commandId ?? randomUUID();
    const answers = await Promise.all(
      deviceIds.map(async (deviceId) => {
        const perDevice = { ...options, batchId, commandId: `${batchId}.${deviceId}` };
        try {
          const { record } = await this.send(tabletId, deviceId, kind, perDevice);
          return { deviceId, reason: record.state === 'failed' ? (record.reason ?? 'failed') : undefined, record };
        } catch (err) {
          // An outage fails the whole request; a refusal only its device.
          if (!isDomainError(err) || err.code === 'store_unavailable') throw err;
          const record = await this.d.ledger.get(perDevice.commandId);
          return { deviceId, reason: err.message, record: record ? commandView(record) : undefined };
        }
      }),
    );
    return {
      sent: answers.filter((a) => a.reason === undefined).map((a) => a.deviceId),
      denied: answers.flatMap((a) => (a.reason === undefined ? [] : [{ deviceId: a.deviceId, reason: a.reason }])),
      commands: answers.flatMap((a) => (a.record ? [a.record] : [])),
    };
  }
}

/** What a command to several headsets answers (a session's start, pause or end carries it too). */
export type CommandsAnswer = Awaited<ReturnType<RecordingCommands['sendAll']>>;

/**
 * A commandId names one command (one action) of one tablet to one headset: a retry repeats all
 * three; reusing the ID for anything else is refused (`command_id_reused`), never answered `ok`.
 */
function sameCommand(existing: CommandRecord, retry: { tabletId: string; deviceId: string; action: CommandAction }): CommandRecord {
  if (existing.issuedBy.id !== retry.tabletId || existing.deviceId !== retry.deviceId || existing.action !== retry.action) {
    throw new DomainError('command_id_reused', `commandId ${existing.commandId} is already used for another command`);
  }
  return existing;
}
