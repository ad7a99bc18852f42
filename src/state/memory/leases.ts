import type { LeaseStore } from '../types';
import { ExpiringMap } from './expiring-map';

/** One process is the whole cluster: its owner always holds what it asks for, unless another owner does. */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new ExpiringMap<string, string>();

  async tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const holder = this.leases.get(name);
    if (holder !== undefined && holder !== owner) return false;
    this.leases.set(name, owner, ttlMs);
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if (this.leases.get(name) === owner) this.leases.delete(name);
  }

  purgeExpired(): void {
    this.leases.purgeExpired();
  }
}
