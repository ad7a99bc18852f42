import type { Logger } from 'pino';
import type { Actor } from '../domain/actor';
import type { RecordingStart } from '../domain/clock';
import type { DomainEvents } from '../domain/events';
import type { CommandAction, CommandState } from '../domain/commands';
import type { CommandRecord, Store } from '../state/types';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';

export interface CommandLedgerOptions {
  /** A command the headset does not confirm within this is expired. */
  ackTimeoutMs: number;
  logger: Logger;
  /** Expiry (and the resolution of commands a dead or restarted process left `sent`) runs on one process at a time. */
  lease?: TaskLease;
}

export interface NewCommand {
  commandId: string;
  action: CommandAction;
  deviceId: string;
  issuedBy: Actor;
  /** The recording state that confirms it. */
  expected: boolean;
  /** Set when it is settled at once: refused (failed) or nothing to do (confirmed). */
  settled?: { state: 'failed' | 'confirmed'; reason: string };
  batchId?: string;
  sessionId?: string;
  /** A synchronized start's planned time (server epoch ms). */
  startAt?: number;
}

/** Expired commands resolved per sweep at most; the next sweep takes the rest. */
const SWEEP_BATCH = 200;

/**
 * The command ledger: every recording command is a record in the store,
 * `sent` until the headset confirms it, answers otherwise or goes away, or its
 * deadline passes. Each change is published as `command.changed` by the
 * process where it happened (transports and the audit log listen). Expiry is a
 * leased sweep over the store, not a timer of the issuing process, so a command
 * a process left `sent` when it died or restarted is resolved by whichever
 * process runs the sweep: confirmed if the headset's stored state matches,
 * expired otherwise.
 */
export class CommandLedger {
  private readonly sweep: PeriodicTask;

  constructor(
    private readonly store: Store,
    private readonly events: DomainEvents,
    private readonly options: CommandLedgerOptions,
  ) {
    const intervalMs = Math.max(100, Math.min(5_000, Math.floor(options.ackTimeoutMs / 4)));
    this.sweep = new PeriodicTask('command-expiry', intervalMs, () => this.expireOverdue(), options.logger, options.lease);
    events.on('device.disconnected', async ({ deviceId }) => {
      try {
        await this.settlePending(deviceId, () => ({ state: 'failed', reason: 'headset disconnected' }));
      } catch (err) {
        // The sweep resolves them later; the disconnect itself goes on.
        options.logger.warn({ err: (err as Error).message, deviceId }, 'could not fail the commands of a disconnected headset');
      }
    });
  }

  start(): this {
    this.sweep.start();
    void this.sweep.runOnce();
    return this;
  }

  stop(): void {
    this.sweep.stop();
  }

  get(commandId: string): Promise<CommandRecord | null> {
    return this.store.commands.get(commandId);
  }

  /**
   * Records a command; `created: false` when a record with its ID exists (a
   * retry), which is answered unchanged. A new `sent` command supersedes the
   * device's older pending ones: the headset acts on the last it was sent.
   */
  async record(command: NewCommand): Promise<{ created: boolean; record: CommandRecord }> {
    const now = new Date();
    const record: CommandRecord = {
      commandId: command.commandId,
      action: command.action,
      deviceId: command.deviceId,
      issuedBy: command.issuedBy,
      issuedAt: now,
      state: command.settled?.state ?? 'sent',
      updatedAt: now,
      expected: command.expected,
      deadline: new Date(now.getTime() + this.options.ackTimeoutMs),
      ...(command.settled ? { reason: command.settled.reason } : {}),
      ...(command.batchId ? { batchId: command.batchId } : {}),
      ...(command.sessionId ? { sessionId: command.sessionId } : {}),
      ...(command.startAt !== undefined ? { startAt: command.startAt } : {}),
    };
    if (record.state === 'sent') {
      await this.settlePending(command.deviceId, () => ({ state: 'failed', reason: `superseded by command ${command.commandId}` }));
    }
    const created = await this.store.commands.create(record);
    if (created.outcome === 'exists') return { created: false, record: created.record };
    await this.announce(record);
    return { created: true, record };
  }

  /**
   * The headset reported its recording state: its pending commands are confirmed, or failed if it
   * answered otherwise. A start it reports (when, in server time) is kept on the start commands it
   * confirms, with the error against a synchronized start's startAt. Answers the confirmed ones.
   */
  async reported(deviceId: string, isRecording: boolean, start?: RecordingStart): Promise<CommandRecord[]> {
    const confirmed: CommandRecord[] = [];
    for (const command of await this.store.commands.pendingFor(deviceId)) {
      const matches = command.expected === isRecording;
      const resolved = await this.settle(
        command,
        matches
          ? { state: 'confirmed', reason: undefined, ...(isRecording && start ? { start: startOf(command, start) } : {}) }
          : { state: 'failed', reason: `headset reported ${isRecording ? 'recording' : 'not recording'}` },
      );
      if (resolved && matches) confirmed.push(resolved);
    }
    return confirmed;
  }

  /** One sweep: every overdue `sent` command is confirmed by the headset's stored state, or expired. */
  async expireOverdue(): Promise<void> {
    const overdue = await this.store.commands.overdue(new Date(), SWEEP_BATCH);
    for (const command of overdue) {
      const device = await this.store.devices.get(command.deviceId);
      const confirmed = device?.isOnline === true && device.isRecording === command.expected;
      await this.settle(
        command,
        confirmed
          ? { state: 'confirmed', reason: 'confirmed by the headset’s reported state' }
          : { state: 'expired', reason: `no confirmation within ${this.options.ackTimeoutMs} ms` },
      );
    }
  }

  private async settlePending(
    deviceId: string,
    outcome: (c: CommandRecord) => { state: Exclude<CommandState, 'sent'>; reason: string | undefined },
  ): Promise<void> {
    for (const command of await this.store.commands.pendingFor(deviceId)) await this.settle(command, outcome(command));
  }

  private async settle(
    command: CommandRecord,
    outcome: { state: Exclude<CommandState, 'sent'>; reason: string | undefined; start?: RecordingStart },
  ): Promise<CommandRecord | null> {
    const resolved = await this.store.commands.resolve(command.commandId, {
      state: outcome.state,
      at: new Date(),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      ...(outcome.start ? { start: outcome.start } : {}),
    });
    // Another process (or an earlier report) settled it first: announced there.
    if (resolved) await this.announce(resolved);
    return resolved;
  }

  private async announce(r: CommandRecord): Promise<void> {
    try {
      await this.events.publish('command.changed', {
        commandId: r.commandId,
        action: r.action,
        deviceId: r.deviceId,
        issuedBy: r.issuedBy,
        state: r.state,
        issuedAt: r.issuedAt,
        updatedAt: r.updatedAt,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.batchId ? { batchId: r.batchId } : {}),
        ...(r.sessionId ? { sessionId: r.sessionId } : {}),
        ...(r.startAt !== undefined ? { startAt: r.startAt } : {}),
        ...(r.start ? { start: r.start } : {}),
      });
    } catch (err) {
      // The record is stored; a listener's failure must not undo or fail the command.
      this.options.logger.warn({ err: (err as Error).message, commandId: r.commandId }, 'a command.changed listener failed');
    }
  }
}

/** The command as clients see it (acks, on-command-updated, GET /api/commands). */
export function commandView(r: CommandRecord) {
  return {
    commandId: r.commandId,
    action: r.action,
    deviceId: r.deviceId,
    issuedBy: r.issuedBy,
    issuedAt: r.issuedAt.toISOString(),
    state: r.state,
    updatedAt: r.updatedAt.toISOString(),
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    ...(r.batchId ? { batchId: r.batchId } : {}),
    ...(r.sessionId ? { sessionId: r.sessionId } : {}),
    ...(r.startAt !== undefined ? { startAt: r.startAt } : {}),
    ...(r.start ? { start: r.start } : {}),
  };
}

/** A reported start as the command it confirms keeps it: with the command, its batch and its plan. */
function startOf(command: CommandRecord, start: RecordingStart): RecordingStart {
  return {
    ...start,
    commandId: command.commandId,
    ...(command.batchId ? { batchId: command.batchId } : {}),
    ...(command.startAt !== undefined ? { startAt: command.startAt, startErrorMs: start.startedAt - command.startAt } : {}),
  };
}
