import type { RecordingCommand } from '../protocol';

export type { RecordingCommand };

interface Pending {
  tabletId: string;
  command: RecordingCommand;
  expected: boolean;
  timer: NodeJS.Timeout;
}

/**
 * Tracks recording commands until the headset confirms them (pending ->
 * sent -> executed, as command-and-control systems do). A command the headset
 * does not confirm within the timeout is reported once. At most one pending
 * command per device: a newer command replaces the older.
 */
export class RecordingCommands {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (deviceId: string, tabletId: string, command: RecordingCommand) => void,
  ) {}

  sent(deviceId: string, tabletId: string, command: RecordingCommand, expected: boolean): void {
    this.clear(deviceId);
    const timer = setTimeout(() => {
      this.pending.delete(deviceId);
      this.onTimeout(deviceId, tabletId, command);
    }, this.timeoutMs);
    timer.unref();
    this.pending.set(deviceId, { tabletId, command, expected, timer });
  }

  /** The headset reported its state; a pending command expecting it is done. */
  confirmed(deviceId: string, isRecording: boolean): void {
    if (this.pending.get(deviceId)?.expected === isRecording) this.clear(deviceId);
  }

  stop(): void {
    for (const deviceId of [...this.pending.keys()]) this.clear(deviceId);
  }

  private clear(deviceId: string): void {
    const entry = this.pending.get(deviceId);
    if (entry) clearTimeout(entry.timer);
    this.pending.delete(deviceId);
  }
}
