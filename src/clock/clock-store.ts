import type Redis from 'ioredis';
import { clockEstimateSchema, type ClockEstimate } from '../domain/clock';
import { ExpiringMap } from '../state/memory/expiring-map';
import type { FeatureStoreImplementations, StoreTtls } from '../state/types';

/**
 * Each headset's latest clock estimate, shared by every process: the one
 * holding the headset's connection measures it, any of them converts times
 * with it. An estimate lives as long as a device record (DEVICE_STATE_TTL).
 */
export interface ClockStore {
  save(deviceId: string, estimate: ClockEstimate): Promise<void>;
  get(deviceId: string): Promise<ClockEstimate | null>;
  /** The estimates of those of the devices that have one. */
  getMany(deviceIds: readonly string[]): Promise<Map<string, ClockEstimate>>;
}

/** Keys read per MGET, so a fleet read never sends one enormous command. */
const READ_CHUNK = 500;

class MemoryClockStore implements ClockStore {
  private readonly estimates = new ExpiringMap<string, ClockEstimate>();
  private saves = 0;

  constructor(private readonly ttlMs: number) {}

  async save(deviceId: string, estimate: ClockEstimate): Promise<void> {
    this.estimates.set(deviceId, structuredClone(estimate), this.ttlMs);
    // Devices that left are dropped now and then, so the map stays the size of the fleet.
    if (++this.saves % 1_000 === 0) this.estimates.purgeExpired();
  }

  async get(deviceId: string): Promise<ClockEstimate | null> {
    const estimate = this.estimates.get(deviceId);
    return estimate ? structuredClone(estimate) : null;
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, ClockEstimate>> {
    const found = new Map<string, ClockEstimate>();
    for (const id of deviceIds) {
      const estimate = this.estimates.get(id);
      if (estimate) found.set(id, structuredClone(estimate));
    }
    return found;
  }
}

const clockKey = (deviceId: string) => `clock:${deviceId}`;

class RedisClockStore implements ClockStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async save(deviceId: string, estimate: ClockEstimate): Promise<void> {
    await this.redis.set(clockKey(deviceId), JSON.stringify(estimate), 'EX', this.ttlSeconds);
  }

  async get(deviceId: string): Promise<ClockEstimate | null> {
    return decode(await this.redis.get(clockKey(deviceId)));
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, ClockEstimate>> {
    const found = new Map<string, ClockEstimate>();
    for (let i = 0; i < deviceIds.length; i += READ_CHUNK) {
      const ids = deviceIds.slice(i, i + READ_CHUNK);
      const values = await this.redis.mget(ids.map(clockKey));
      ids.forEach((id, j) => {
        const estimate = decode(values[j]);
        if (estimate) found.set(id, estimate);
      });
    }
    return found;
  }
}

/** A corrupt or outdated value reads as no estimate: the headset is measured again soon anyway. */
function decode(json: string | null | undefined): ClockEstimate | null {
  if (!json) return null;
  try {
    const parsed = clockEstimateSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const clockStores: FeatureStoreImplementations<ClockStore> = {
  memory: (ttls: StoreTtls) => new MemoryClockStore(ttls.deviceStateSeconds * 1000),
  redis: ({ client, ttls }) => new RedisClockStore(client, ttls.deviceStateSeconds),
};
