/**
 * A Map whose entries expire, giving the memory store the same TTL semantics
 * as Redis keys. Expired entries are invisible at once and purged on a sweep,
 * so the map cannot grow with dead entries.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  set(key: K, value: V, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Milliseconds left, or undefined when absent. */
  ttlMs(key: K): number | undefined {
    return this.get(key) === undefined ? undefined : this.entries.get(key)!.expiresAt - this.now();
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  *values(): IterableIterator<V> {
    for (const key of [...this.entries.keys()]) {
      const value = this.get(key);
      if (value !== undefined) yield value;
    }
  }

  purgeExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
