import { chunksOf, FLEET_READ_CHUNK } from './fleet-reads';

interface Waiting<In, Out> {
  item: In;
  resolve(value: Out): void;
  reject(err: unknown): void;
}

/**
 * Gathers the items asked for in one turn of the event loop and sends them to
 * Redis as one command (`send`, in slices of at most `maxItems`), each caller
 * getting its own answer.
 *
 * On the telemetry hot path each update had been its own command: an ioredis
 * Command with its promise, its RESP string and its reply, and a script call
 * on the Redis side (a quarter of the bytes the server allocated per update,
 * profiled at 4,000 headsets). Messages read from many sockets in one turn now
 * share one command.
 *
 * Unlike ioredis's enableAutoPipelining, every turn's command goes out at once,
 * whatever the previous one is doing, so one that waits out an outage
 * (commandTimeout) never holds up the ones behind it.
 */
export class TurnBatch<In, Out> {
  private waiting: Array<Waiting<In, Out>> | undefined;

  constructor(
    private readonly send: (items: In[]) => Promise<Out[]>,
    private readonly maxItems = FLEET_READ_CHUNK,
  ) {}

  /** Adds one item to this turn's batch; resolves with its answer. */
  run(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      if (!this.waiting) {
        this.waiting = [];
        setImmediate(() => this.flush());
      }
      this.waiting.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const slice of chunksOf(waiting, this.maxItems)) this.sendSlice(slice);
  }

  private sendSlice(slice: Array<Waiting<In, Out>>): void {
    // A send that throws instead of rejecting fails its slice the same way.
    new Promise<Out[]>((resolve) => resolve(this.send(slice.map((w) => w.item)))).then(
      (answers) => {
        slice.forEach((w, i) => {
          if (i < answers.length) w.resolve(answers[i]!);
          else w.reject(new Error('Redis answered fewer items than were sent'));
        });
      },
      (err: unknown) => {
        for (const w of slice) w.reject(err);
      },
    );
  }
}
