import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';

/**
 * Devices per pipeline when a whole fleet is read. The replies of one pipeline are
 * parsed and decoded in one go: at 4,000 headsets a single pipeline held the event
 * loop for 100–150 ms every few seconds (presence check, store recovery), which is
 * what the slowest telemetry updates waited for. Between chunks other work runs.
 */
export const FLEET_READ_CHUNK = 500;

/**
 * Reads for many devices, `FLEET_READ_CHUNK` devices per pipeline, one pipeline at a
 * time. `add` queues the commands of one device; the replies come back flat, in
 * order. A failed read throws: with Redis away, "missing" would be a lie.
 */
export async function readInChunks<T>(
  redis: Redis,
  items: readonly T[],
  add: (pipeline: ChainableCommander, item: T) => void,
): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const chunk of chunksOf(items)) {
    const pipeline = redis.pipeline();
    for (const item of chunk) add(pipeline, item);
    const replies = (await pipeline.exec()) ?? [];
    for (const [err, value] of replies) {
      if (err) throw err;
      results.push(value);
    }
  }
  return results;
}

/** `items` in runs of `size` (`FLEET_READ_CHUNK`), for reads that take many keys in one command (MGET) and for writes batched per turn. */
export function* chunksOf<T>(items: readonly T[], size = FLEET_READ_CHUNK): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
