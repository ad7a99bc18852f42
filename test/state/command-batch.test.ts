import { describe, expect, it } from 'vitest';
import { CommandBatch, type CommandBatchOptions } from '../../src/state/redis/command-batch';
import { sleep } from '../helpers/clients';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A batch whose sends are recorded and answered as `answer` says. */
function recordingBatch(answer: (items: string[]) => Promise<string[]>, options?: CommandBatchOptions) {
  const sent: string[][] = [];
  const batch = new CommandBatch<string, string>((items) => {
    sent.push(items);
    return answer(items);
  }, options);
  return { batch, sent };
}

describe('CommandBatch', () => {
  it('sends the items of one turn as one batch, and each caller gets its own answer', async () => {
    const { batch, sent } = recordingBatch(async (items) => items.map((i) => `answer to ${i}`));
    const first = await Promise.all(['a', 'b', 'c'].map((item) => batch.run(item)));
    expect(first).toEqual(['answer to a', 'answer to b', 'answer to c']);
    expect(await batch.run('d')).toBe('answer to d');
    expect(sent).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('splits a large turn into slices of maxItems', async () => {
    const { batch, sent } = recordingBatch(async (items) => items.map((i) => i.toUpperCase()), { maxItems: 2 });
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => batch.run(item)));
    expect(answers).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(sent).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('rejects every caller of a failed send (thrown or rejected) or a short answer, and recovers', async () => {
    let mode: 'reject' | 'throw' | 'short' | 'ok' = 'reject';
    const batch = new CommandBatch<string, string>((items) => {
      if (mode === 'throw') throw new Error('not connected');
      if (mode === 'reject') return Promise.reject(new Error('Connection is closed.'));
      return Promise.resolve(mode === 'short' ? items.slice(1) : items);
    });
    for (const failing of ['reject', 'throw'] as const) {
      mode = failing;
      const down = await Promise.allSettled(['x', 'y'].map((item) => batch.run(item)));
      expect(down.map((d) => d.status)).toEqual(['rejected', 'rejected']);
    }
    mode = 'short';
    const short = await Promise.allSettled(['x', 'y'].map((item) => batch.run(item)));
    expect(short.map((d) => d.status)).toEqual(['fulfilled', 'rejected']);
    mode = 'ok';
    expect(await batch.run('z')).toBe('z');
  });

  it('does not hold a turn back while an earlier batch still waits for Redis', async () => {
    const gates: Array<() => void> = [];
    const { batch, sent } = recordingBatch((items) => new Promise((resolve) => gates.push(() => resolve(items))));
    const slow = batch.run('first');
    await turn();
    const next = batch.run('second');
    await turn();
    // Both batches went out; the second is answered before the first.
    expect(sent).toEqual([['first'], ['second']]);
    gates[1]!();
    expect(await next).toBe('second');
    gates[0]!();
    expect(await slow).toBe('first');
  });

  it('with gatherMs, gathers the items of several turns into one batch, then starts the next', async () => {
    const { batch, sent } = recordingBatch(async (items) => items, { gatherMs: 500 });
    const early = [batch.run('a')];
    await turn();
    early.push(batch.run('b'));
    await turn();
    early.push(batch.run('c'));
    // Still gathering: a whole-turn batch would have gone out twice by now.
    expect(sent).toEqual([]);
    expect(await Promise.all(early)).toEqual(['a', 'b', 'c']);
    expect(sent).toEqual([['a', 'b', 'c']]);
    expect(await batch.run('d')).toBe('d');
    expect(sent).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('with gatherMs, does not hold a batch back while an earlier one still waits for Redis', async () => {
    const gates: Array<() => void> = [];
    const { batch, sent } = recordingBatch((items) => new Promise((resolve) => gates.push(() => resolve(items))), { gatherMs: 5 });
    const slow = batch.run('first');
    await sleep(20);
    const next = batch.run('second');
    await sleep(20);
    expect(sent).toEqual([['first'], ['second']]);
    gates[1]!();
    expect(await next).toBe('second');
    gates[0]!();
    expect(await slow).toBe('first');
  });
});
