/** Simulated clients' setup, shared by the benchmarks that connect fleets of them. */

/** Connections opened at once while setting up. */
const CONNECT_CONCURRENCY = 100;

/** `make(0..count-1)`, at most CONNECT_CONCURRENCY at a time, so setting up does not look like a connection storm. */
export async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

/** Fails the benchmark when an acknowledged request was refused, rather than measuring a broken setup. */
export async function expectOk(answer: Promise<unknown>, what: string): Promise<void> {
  const a = (await answer) as { ok?: boolean } | undefined;
  if (!a?.ok) throw new Error(`${what}: ${JSON.stringify(a)}`);
}
