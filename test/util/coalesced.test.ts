import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalesced } from '../../src/util/coalesced';

/** A task whose runs the test finishes by hand, with a clock the test moves. */
function harness(costFactor = 4) {
  let clock = 0;
  const runs: Array<() => void> = [];
  let started = 0;
  const coalesced = new Coalesced(
    () => {
      started++;
      return new Promise<void>((resolve) => runs.push(resolve));
    },
    50,
    { costFactor, now: () => clock },
  );
  return {
    coalesced,
    started: () => started,
    /** Ends the running task after it took `ms` of the test's clock. */
    finish: async (ms: number) => {
      clock += ms;
      runs.shift()!();
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

describe('Coalesced', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('runs once for a burst of requests, after the delay', async () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.coalesced.request();
    await vi.advanceTimersByTimeAsync(49);
    expect(h.started()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.started()).toBe(1);
    await h.finish(10);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.started()).toBe(1);
  });

  it('never overlaps runs, and runs once more for requests made during a run', async () => {
    const h = harness();
    h.coalesced.request();
    await vi.advanceTimersByTimeAsync(50);
    expect(h.started()).toBe(1);
    // A run that outlasts the delay: requests meanwhile do not start a second, concurrent one.
    for (let i = 0; i < 10; i++) h.coalesced.request();
    await vi.advanceTimersByTimeAsync(500);
    expect(h.started()).toBe(1);
    await h.finish(5);
    await vi.advanceTimersByTimeAsync(50);
    expect(h.started()).toBe(2);
  });

  it('waits longer after a costly run: costFactor times what it took', async () => {
    const h = harness(4);
    h.coalesced.request();
    await vi.advanceTimersByTimeAsync(50);
    h.coalesced.request();
    await h.finish(200); // the run took 200 ms of the clock
    await vi.advanceTimersByTimeAsync(799);
    expect(h.started()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.started()).toBe(2);
  });

  it('keeps serving after a task fails, and cancel drops what was pending', async () => {
    let calls = 0;
    const coalesced = new Coalesced(async () => {
      calls++;
      throw new Error('store away');
    }, 50);
    coalesced.request();
    await vi.advanceTimersByTimeAsync(50);
    coalesced.request();
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toBe(2);
    coalesced.request();
    coalesced.cancel();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
  });
});
