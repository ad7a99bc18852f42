import type { ClientEvents, ServerEventArgs } from './protocol';
import { askUnchecked, type CaptureSocket, type LooseAnswer } from './socket';

/**
 * Recording commands that resolve on their outcome. A start or stop is recorded on the server's
 * command ledger, sent to the headset, and ends confirmed (the headset reported the state),
 * failed or expired (no report in time). `startRecording` listens to `on-command-updated` BEFORE
 * it sends, with a commandId of its own, so an outcome that arrives before the acknowledgement
 * (a quick headset) is not missed; it resolves with the ledger record once the state is final.
 */

/** A command as the ledger keeps it (the `record` of the acknowledgement, `on-command-updated`). */
export type CommandView = ServerEventArgs<'on-command-updated'>[0];
/** How a command ended. */
export type CommandOutcome = CommandView & { state: 'confirmed' | 'failed' | 'expired' };

const FINAL = new Set(['confirmed', 'failed', 'expired']);
const isFinal = (record: CommandView): record is CommandOutcome => FINAL.has(record.state);

/**
 * The server refused the command (no lock, device offline, a reused commandId...): `code` is the
 * refusal's code (branch on it), as in every refusal. A retry of the same commandId for the same
 * action, device and tablet is not a refusal: it answers the existing record (`retried: true`) and
 * resolves on its outcome; the same commandId for another action, device or tablet is refused
 * with `command_id_reused`.
 */
export class CommandRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly answer: LooseAnswer,
  ) {
    super(message);
    this.name = 'CommandRefusedError';
  }
}

export interface CommandOptions {
  /** Your own ID for the command (letters, digits, `_.-`, up to 64): a retry with it is answered from the ledger. Made up when absent. */
  commandId?: string;
  /** How long to wait for the outcome (default 30 s; the ledger expires an unconfirmed command before that). */
  timeoutMs?: number;
}

export interface StartOptions extends CommandOptions {
  /** A synchronized start: the server epoch-ms time (a whole number) every headset starts at (see `serverTime`). */
  startAt?: number;
}

/** The outcome of a start or stop of every held headset: each command's final record, and the headsets refused at once. */
export interface BatchOutcome {
  commands: CommandOutcome[];
  denied: Array<{ deviceId: string; reason: string }>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
let made = 0;
const newCommandId = () => `c${Date.now().toString(36)}${(made++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The server's clock now (epoch ms), by the `server-time` event: for a synchronized start's `startAt`. */
export async function serverTime(socket: CaptureSocket, timeoutMs = 10_000): Promise<number> {
  const answer = (await socket.timeout(timeoutMs).emitWithAck('server-time')) as LooseAnswer;
  if (!answer.ok) throw new CommandRefusedError(answer.code ?? 'internal', answer.error ?? 'server-time refused', answer);
  return answer.serverTime as number;
}

/**
 * A tablet's recording commands, each resolving with its outcome:
 * `const control = recordingControl(tablet); const rec = await control.startRecording('QUEST_001');`
 */
export function recordingControl(socket: CaptureSocket) {
  return {
    /** Starts one headset; `startAt` (server time) for a synchronized start. */
    startRecording: (deviceId: string, options: StartOptions = {}) =>
      single(socket, 'tablet-start-recording', deviceId, options, options.startAt),
    stopRecording: (deviceId: string, options: CommandOptions = {}) => single(socket, 'tablet-stop-recording', deviceId, options),
    /** Starts every headset the tablet holds, at `startAt` when given. */
    startAll: (options: StartOptions = {}) => batch(socket, 'tablet-start-all-recording', options, options.startAt),
    stopAll: (options: CommandOptions = {}) => batch(socket, 'tablet-stop-all-recording', options),
    /** A synchronized start `leadMs` from now in server time: every held headset starts at the same instant. */
    async startAllIn(leadMs: number, options: CommandOptions = {}) {
      return batch(socket, 'tablet-start-all-recording', options, Math.ceil((await serverTime(socket)) + leadMs));
    },
  };
}

export type RecordingControl = ReturnType<typeof recordingControl>;

/** Ledger updates of the commands whose IDs `wanted` accepts, heard from before the command is sent. */
function outcomes(socket: CaptureSocket, wanted: (commandId: string) => boolean, timeoutMs: number) {
  const final = new Map<string, CommandOutcome>();
  const waiters = new Map<string, (record: CommandOutcome) => void>();
  const listener = (record: CommandView) => {
    if (!wanted(record.commandId) || !isFinal(record)) return;
    final.set(record.commandId, record);
    waiters.get(record.commandId)?.(record);
  };
  socket.on('on-command-updated', listener);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no outcome of the command within ${timeoutMs} ms`)), timeoutMs);
  });
  expired.catch(() => undefined);
  return {
    /** The record's outcome: itself when final already, else the update that makes it final. */
    async of(record: CommandView): Promise<CommandOutcome> {
      if (isFinal(record)) return record;
      const known = final.get(record.commandId);
      if (known) return known;
      return Promise.race([new Promise<CommandOutcome>((resolve) => waiters.set(record.commandId, resolve)), expired]);
    },
    done() {
      clearTimeout(timer);
      socket.off('on-command-updated', listener);
    },
  };
}

function refusal(event: string, answer: LooseAnswer): CommandRefusedError {
  return new CommandRefusedError(answer.code ?? 'internal', `${event}: ${answer.error ?? 'refused'}`, answer);
}

async function single(
  socket: CaptureSocket,
  event: 'tablet-start-recording' | 'tablet-stop-recording',
  deviceId: string,
  options: CommandOptions,
  startAt?: number,
): Promise<CommandOutcome> {
  const commandId = options.commandId ?? newCommandId();
  const heard = outcomes(socket, (id) => id === commandId, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const answer = await askUnchecked(socket, event, { deviceId, commandId, ...(startAt !== undefined ? { startAt } : {}) });
    if (!answer.ok) throw refusal(event, answer);
    return await heard.of((answer as unknown as ClientEvents['tablet-start-recording']['ack']).record);
  } finally {
    heard.done();
  }
}

async function batch(
  socket: CaptureSocket,
  event: 'tablet-start-all-recording' | 'tablet-stop-all-recording',
  options: CommandOptions,
  startAt?: number,
): Promise<BatchOutcome> {
  const commandId = options.commandId ?? newCommandId();
  // Each headset's command is `${commandId}.${deviceId}` on the ledger.
  const heard = outcomes(socket, (id) => id.startsWith(`${commandId}.`), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const answer = await askUnchecked(socket, event, { commandId, ...(startAt !== undefined ? { startAt } : {}) });
    if (!answer.ok) throw refusal(event, answer);
    const { commands, denied } = answer as unknown as ClientEvents['tablet-start-all-recording']['ack'];
    return { commands: await Promise.all(commands.map((record) => heard.of(record))), denied };
  } finally {
    heard.done();
  }
}
