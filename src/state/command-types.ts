import type { PageTotal } from './page-total';
import type { Actor } from '../domain/actor';
import type { RecordingStart } from '../domain/clock';
import type { CommandAction, CommandState } from '../domain/commands';

export type { CommandAction, CommandState };

/** One recording command to one headset: the command ledger's record. */
export interface CommandRecord {
  /** The tablet's own ID for it (idempotent retries), or one the server made. */
  commandId: string;
  action: CommandAction;
  deviceId: string;
  issuedBy: Actor;
  issuedAt: Date;
  state: CommandState;
  updatedAt: Date;
  reason?: string;
  /** The recording state that confirms it. */
  expected: boolean;
  /** When a `sent` command expires unless confirmed. */
  deadline: Date;
  /** The start-all/stop-all (or session) request it is part of. */
  batchId?: string;
  sessionId?: string;
  /** A synchronized start's planned time (server epoch ms). */
  startAt?: number;
  /** How the headset's start really went, set when it confirmed a start (docs/CLOCK.md). */
  start?: RecordingStart;
}

/** How a `sent` command ends: its final state, why, when, and for a confirmed start how it went. */
export interface CommandResolution {
  state: Exclude<CommandState, 'sent'>;
  reason?: string;
  at: Date;
  start?: RecordingStart;
}

export interface CommandQuery {
  deviceId?: string;
  /** The issuing actor's ID (a tablet's device ID). */
  issuedBy?: string;
  state?: CommandState;
  from?: Date;
  to?: Date;
  /** 1..500 */
  limit: number;
  cursor?: string;
}

export interface CommandPage extends PageTotal {
  commands: CommandRecord[];
  nextCursor?: string;
}

export type CommandCreation = { outcome: 'created'; record: CommandRecord } | { outcome: 'exists'; record: CommandRecord };

/**
 * The command ledger. Records are kept for the timeline retention; commands
 * still `sent` are indexed by device and by deadline, so confirming or
 * expiring them reads only those.
 */
export interface CommandStore {
  /** Creates the record unless one with its commandId exists (then answers that one, unchanged): atomic across processes. */
  create(record: CommandRecord): Promise<CommandCreation>;
  get(commandId: string): Promise<CommandRecord | null>;
  /** Moves a `sent` command to its final state; null when it is not `sent` (already resolved, or unknown). Atomic. */
  resolve(commandId: string, change: CommandResolution): Promise<CommandRecord | null>;
  /** The device's `sent` commands, oldest first. */
  pendingFor(deviceId: string): Promise<CommandRecord[]>;
  /** `sent` commands whose deadline is at or before `now`, oldest deadline first, at most `limit`. */
  overdue(now: Date, limit: number): Promise<CommandRecord[]>;
  /** Newest first, filtered, paged. */
  list(query: CommandQuery): Promise<CommandPage>;
}
