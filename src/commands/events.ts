import type { Actor } from '../domain/actor';
import type { RecordingStart } from '../domain/clock';
import type { RecordingCommand } from '../protocol';
import type { CommandAction, CommandState } from '../domain/commands';
import type { ErrorCode } from '../domain/errors';

/** What the commands feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /**
     * A recording command changed state (the command ledger publishes it):
     * `sent`, then `confirmed`, `failed` (the headset answered otherwise or
     * went away) or `expired` (no confirmation within RECORDING_ACK_TIMEOUT_MS).
     */
    'command.changed': {
      commandId: string;
      action: CommandAction;
      deviceId: string;
      issuedBy: Actor;
      state: CommandState;
      reason?: string;
      /** Added by the command ledger: when it was issued and changed (equal on the first event of a command). */
      issuedAt?: Date;
      updatedAt?: Date;
      /** The start-all/stop-all or session request it is part of, and the session. */
      batchId?: string;
      sessionId?: string;
      /** A synchronized start's plan, and (once confirmed) how the headset's start really went. */
      startAt?: number;
      start?: RecordingStart;
    };
    /** A recording command is on its way to a headset: the socket layer sends it on-tablet-start-recording and friends. */
    'command.dispatched': {
      deviceId: string;
      command: RecordingCommand;
      commandId: string;
      /** A synchronized start: when (server epoch ms), and that time in the headset's clock. */
      startAt?: number;
      startAtDeviceTime?: number;
    };
    /**
     * A tablet's recording command was refused: the socket layer tells it (on-recording-denied, or -toggle-denied).
     * No ledger record is kept of it; `code` says why (not_holder: not held or no such device; device_offline).
     */
    'command.denied': { tabletId: string; deviceId: string; command: RecordingCommand; reason: string; code: ErrorCode };
    /** A tablet sent metadata to headsets it holds (tablet-sync-metadata). */
    'metadata.synced': { tabletId: string; deviceIds: string[]; bytes: number };
  }
}
