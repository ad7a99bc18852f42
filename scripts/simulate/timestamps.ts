/** `YYYYMMDD_HHMMSS` in UTC, the upload API's session timestamp. */
export function sessionTimestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * Storage keys are `sessions/{timestamp}/…` with one-second resolution, so two
 * headsets of one session that started recording in the same second would
 * overwrite each other's files. A fleet hands out distinct seconds: the
 * capture's own start second when free, else the next free one. Only seconds
 * since the oldest one still relevant are remembered, so the set stays small.
 */
export class TimestampAllocator {
  private readonly taken = new Set<number>();

  allocate(startedAt: Date): string {
    let second = Math.floor(startedAt.getTime() / 1000);
    while (this.taken.has(second)) second++;
    this.taken.add(second);
    // Forget seconds more than an hour older than this one: no capture starts that far back.
    for (const s of this.taken) if (s < second - 3600) this.taken.delete(s);
    return sessionTimestamp(new Date(second * 1000));
  }
}
