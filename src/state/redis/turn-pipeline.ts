import type { ChainableCommander, Redis } from 'ioredis';

interface Waiting {
  add(pipeline: ChainableCommander): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Sends the commands asked for in one turn of the event loop as one pipeline:
 * one write to the Redis socket instead of one per command. On the telemetry
 * hot path each write was a syscall that cost more than the rest of the
 * update's handling (profiled at 1,000 headsets); messages read from many
 * sockets in one turn now share it.
 *
 * Unlike ioredis's enableAutoPipelining, every turn's pipeline goes out at
 * once, whatever the previous one is doing, so a command that waits out an
 * outage (commandTimeout) never holds up the ones behind it.
 */
export class TurnPipeline {
  private waiting: Waiting[] | undefined;

  constructor(private readonly redis: Redis) {}

  /** Adds one command (through `add`) to this turn's pipeline; resolves with its reply. */
  run<T>(add: (pipeline: ChainableCommander) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.waiting) {
        this.waiting = [];
        setImmediate(() => this.flush());
      }
      this.waiting.push({ add, resolve: (value) => resolve(value as T), reject });
    });
  }

  private flush(): void {
    const batch = this.waiting ?? [];
    this.waiting = undefined;
    const pipeline = this.redis.pipeline();
    for (const command of batch) command.add(pipeline);
    pipeline.exec().then(
      (replies) => {
        batch.forEach((command, i) => {
          const [err, value] = replies?.[i] ?? [new Error('no reply from Redis'), undefined];
          if (err) command.reject(err);
          else command.resolve(value);
        });
      },
      (err: unknown) => {
        for (const command of batch) command.reject(err);
      },
    );
  }
}
