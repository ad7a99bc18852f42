import type Redis from 'ioredis';
import { DomainError } from '../domain/errors';
import type { FeatureStoreImplementations } from '../state/types';

/**
 * The names operators give headsets in the console ("Station 3", "Left wrist cam"). They outlive
 * the device's record (which expires while a headset is away), so they are kept apart from it,
 * without a TTL, and bounded in number instead.
 */
export interface DeviceNameStore {
  /** Sets (or with null removes) a device's name; false when the store already holds MAX_DEVICE_NAMES others. */
  set(deviceId: string, name: string | null): Promise<boolean>;
  getMany(deviceIds: readonly string[]): Promise<Map<string, string>>;
}

export const MAX_DEVICE_NAMES = 10_000;
const NAMES_KEY = 'device-names';
const READ_CHUNK = 500;

class MemoryDeviceNames implements DeviceNameStore {
  private readonly names = new Map<string, string>();

  async set(deviceId: string, name: string | null): Promise<boolean> {
    if (name === null) {
      this.names.delete(deviceId);
      return true;
    }
    if (!this.names.has(deviceId) && this.names.size >= MAX_DEVICE_NAMES) return false;
    this.names.set(deviceId, name);
    return true;
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const id of deviceIds) {
      const name = this.names.get(id);
      if (name !== undefined) found.set(id, name);
    }
    return found;
  }
}

/** The count check and the write in one step, so parallel renames cannot pass the bound. */
const SET_NAME = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

class RedisDeviceNames implements DeviceNameStore {
  constructor(private readonly redis: Redis) {}

  async set(deviceId: string, name: string | null): Promise<boolean> {
    if (name === null) {
      await this.redis.hdel(NAMES_KEY, deviceId);
      return true;
    }
    return (await this.redis.eval(SET_NAME, 1, NAMES_KEY, deviceId, name, String(MAX_DEVICE_NAMES))) === 1;
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < deviceIds.length; i += READ_CHUNK) {
      const ids = deviceIds.slice(i, i + READ_CHUNK);
      if (ids.length === 0) continue;
      const names = await this.redis.hmget(NAMES_KEY, ...ids);
      ids.forEach((id, j) => {
        const name = names[j];
        if (name) found.set(id, name);
      });
    }
    return found;
  }
}

export const deviceNameStores: FeatureStoreImplementations<DeviceNameStore> = {
  memory: () => new MemoryDeviceNames(),
  redis: ({ client }) => new RedisDeviceNames(client),
};

/** Renames a device, or refuses when MAX_DEVICE_NAMES others are named. */
export async function renameDevice(names: DeviceNameStore, deviceId: string, name: string | null): Promise<void> {
  if (!(await names.set(deviceId, name))) {
    throw new DomainError('quota_exceeded', `at most ${MAX_DEVICE_NAMES} devices can be named; remove a name first`);
  }
}
