import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { TurnPipeline } from '../../src/state/redis/turn-pipeline';

/** A stand-in for ioredis: each pipeline records its commands and answers them as told. */
function fakeRedis(answer: (commands: string[]) => Promise<Array<[Error | null, unknown]>>) {
  const pipelines: string[][] = [];
  const redis = {
    pipeline() {
      const commands: string[] = [];
      pipelines.push(commands);
      const pipeline = {
        get(key: string) {
          commands.push(key);
          return pipeline;
        },
        exec: () => answer(commands),
      };
      return pipeline;
    },
  };
  return { redis: redis as unknown as Redis, pipelines };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnPipeline', () => {
  it('sends the commands of one turn as one pipeline, and each caller gets its own reply', async () => {
    const { redis, pipelines } = fakeRedis(async (commands) => commands.map((c) => [null, `value of ${c}`]));
    const turns = new TurnPipeline(redis);
    const first = await Promise.all(['a', 'b', 'c'].map((key) => turns.run((p) => p.get(key))));
    expect(first).toEqual(['value of a', 'value of b', 'value of c']);
    await turns.run((p) => p.get('d'));
    expect(pipelines).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('rejects only the caller whose command failed, and every caller when the pipeline fails', async () => {
    let fail = false;
    const { redis } = fakeRedis(async (commands) => {
      if (fail) throw new Error('Connection is closed.');
      return commands.map((c) => (c === 'bad' ? [new Error('WRONGTYPE'), null] : [null, c]));
    });
    const turns = new TurnPipeline(redis);
    const answers = await Promise.allSettled(['ok', 'bad'].map((key) => turns.run((p) => p.get(key))));
    expect(answers).toEqual([
      { status: 'fulfilled', value: 'ok' },
      { status: 'rejected', reason: new Error('WRONGTYPE') },
    ]);
    fail = true;
    const down = await Promise.allSettled(['x', 'y'].map((key) => turns.run((p) => p.get(key))));
    expect(down.map((d) => d.status)).toEqual(['rejected', 'rejected']);
  });

  it('does not hold a turn back while an earlier pipeline still waits for Redis', async () => {
    const gates: Array<() => void> = [];
    const { redis, pipelines } = fakeRedis(
      (commands) => new Promise((resolve) => gates.push(() => resolve(commands.map((c) => [null, c])))),
    );
    const turns = new TurnPipeline(redis);
    const slow = turns.run((p) => p.get('first'));
    await turn();
    const next = turns.run((p) => p.get('second'));
    await turn();
    // Both pipelines went out; the second is answered before the first.
    expect(pipelines).toEqual([['first'], ['second']]);
    gates[1]!();
    expect(await next).toBe('second');
    gates[0]!();
    expect(await slow).toBe('first');
  });
});
