import type Redis from 'ioredis';
import type { DevicePatch, DeviceRecord, DeviceStore, StoreTtls, TelemetryWrite } from '../types';
import { decodeLock, lockedAtKey, lockKey } from './locks';
import { CommandBatch } from './command-batch';
import { chunksOf, readInChunks } from './fleet-reads';
import { pruneIndex } from './prune-index';
import { decodeBool, decodeDate, decodeJson, encodeBool, encodeDate, hsetArgs, isEmpty, pairsToFields, type Fields } from './codec';

const deviceKey = (id: string) => `device:${id}`;
const telemetryKey = (id: string) => `telemetry:${id}`;
/** Set of known device IDs, so listing never SCANs the keyspace. Pruned on read. */
const INDEX_KEY = 'devices';
/**
 * How long a telemetry update waits for others to share its Redis command. Headsets' updates
 * arrive a few per turn of the event loop; at 3,000–4,000 headsets, gathering them for 20 ms
 * instead of one turn took the server's CPU per update to 0.81–0.97 × and its socket writes per
 * update to a third or less (bench:scale side by side, docs/PERFORMANCE.md); 50 ms gained nothing
 * more. It adds at most this much to an update's way to the dashboards (budget 250 ms) and to its ack.
 */
const TELEMETRY_GATHER_MS = 20;

// HSET only when the hash exists: an update never resurrects an expired device.
const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

// The hot path, for all the updates of one turn: for each device the script marks it seen, caches
// its telemetry and reads its lock, or does nothing for a device without a record.
// KEYS, per device: record, telemetry, and the lock store's two keys. ARGV: the record's and the
// telemetry's TTLs, then per device its seen-at time and telemetry JSON. Answers ANSWER_WIDTH
// values per device: the record fields in WRITTEN_FIELDS order and the lock's holder and time
// (all false for a device without a record). A flat array: one reply to parse, not one per device.
const WRITTEN_FIELDS = ['deviceId', 'socketId', 'connectionTime', 'isRecording', 'activeSessionId'] as const;
const ANSWER_WIDTH = WRITTEN_FIELDS.length + 2;
const RECORD_TELEMETRY_MANY = `
local answers = {}
for i = 0, #KEYS / 4 - 1 do
  local record = KEYS[4 * i + 1]
  if redis.call('EXISTS', record) == 0 then
    for _ = 1, ${ANSWER_WIDTH} do answers[#answers + 1] = false end
  else
    redis.call('HSET', record, 'isOnline', '1', 'lastSeen', ARGV[2 * i + 3])
    redis.call('EXPIRE', record, ARGV[1])
    redis.call('SET', KEYS[4 * i + 2], ARGV[2 * i + 4], 'EX', ARGV[2])
    local fields = redis.call('HMGET', record, '${WRITTEN_FIELDS.join("', '")}')
    for j = 1, ${WRITTEN_FIELDS.length} do answers[#answers + 1] = fields[j] end
    answers[#answers + 1] = redis.call('GET', KEYS[4 * i + 3])
    answers[#answers + 1] = redis.call('GET', KEYS[4 * i + 4])
  end
end
return answers`;

const MARK_OFFLINE_IF_SOCKET = `
if redis.call('HGET', KEYS[1], 'socketId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'isOnline', '0', 'isRecording', '0', 'lastSeen', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

function encode(d: DevicePatch): Record<string, string | undefined> {
  return {
    socketId: d.socketId,
    isOnline: d.isOnline === undefined ? undefined : encodeBool(d.isOnline),
    lastSeen: d.lastSeen && encodeDate(d.lastSeen),
    connectionTime: d.connectionTime && encodeDate(d.connectionTime),
    isRecording: d.isRecording === undefined ? undefined : encodeBool(d.isRecording),
    // null clears: stored as an empty string, read back as absent.
    activeSessionId: d.activeSessionId === null ? '' : d.activeSessionId,
  };
}

/** A record as stored: its text fields, and its online flag and times already read from wherever they came. */
interface StoredRecord {
  deviceId: string | null | undefined;
  socketId: string | null | undefined;
  isOnline: boolean;
  lastSeen: Date | undefined;
  connectionTime: Date | undefined;
  isRecording: string | null | undefined;
  activeSessionId: string | null | undefined;
}

/** The record, or null for one that lacks its ID or a time (not a record this store wrote). */
function recordOf(r: StoredRecord): DeviceRecord | null {
  if (!r.deviceId || !r.lastSeen || !r.connectionTime) return null;
  return {
    deviceId: r.deviceId,
    socketId: r.socketId ?? '',
    isOnline: r.isOnline,
    lastSeen: r.lastSeen,
    connectionTime: r.connectionTime,
    isRecording: decodeBool(r.isRecording ?? undefined),
    ...(r.activeSessionId ? { activeSessionId: r.activeSessionId } : {}),
  };
}

function decode(f: Fields): DeviceRecord | null {
  return recordOf({
    deviceId: f.deviceId,
    socketId: f.socketId,
    isOnline: decodeBool(f.isOnline),
    lastSeen: decodeDate(f.lastSeen),
    connectionTime: decodeDate(f.connectionTime),
    isRecording: f.isRecording,
    activeSessionId: f.activeSessionId,
  });
}

interface TelemetryToWrite {
  deviceId: string;
  json: string;
  seenAt: Date;
}

/** One device's answer in RECORD_TELEMETRY_MANY's reply, from `at`: its record (just marked online and seen) and lock. */
function decodeWritten(
  { deviceId, seenAt }: TelemetryToWrite,
  answers: Array<string | null>,
  at: number,
  now: number,
): TelemetryWrite | null {
  const record = recordOf({
    deviceId: answers[at],
    socketId: answers[at + 1],
    isOnline: true,
    lastSeen: seenAt,
    connectionTime: decodeDate(answers[at + 2] ?? undefined),
    isRecording: answers[at + 3],
    activeSessionId: answers[at + 4],
  });
  return record && { record, lock: decodeLock(deviceId, answers[at + 5], answers[at + 6], now) };
}

/** The scripts as ioredis commands: EVALSHA sends the script's hash, not its text, on every call. */
interface DeviceScripts {
  captureUpdateDevice(key: string, ttl: string, ...fields: string[]): Promise<string[] | null>;
  /** numberOfKeys, then the keys and arguments RECORD_TELEMETRY_MANY reads. */
  captureRecordTelemetryMany(numberOfKeys: number, ...keysAndArgs: string[]): Promise<Array<string | null>>;
}

export class RedisDeviceStore implements DeviceStore {
  private readonly scripts: DeviceScripts;
  /** Telemetry of many headsets goes to Redis as one command per TELEMETRY_GATHER_MS. */
  private readonly telemetryWrites: CommandBatch<TelemetryToWrite, TelemetryWrite | null>;

  constructor(
    private readonly redis: Redis,
    private readonly ttls: StoreTtls,
  ) {
    if (!('captureRecordTelemetryMany' in redis)) {
      redis.defineCommand('captureUpdateDevice', { numberOfKeys: 1, lua: UPDATE_IF_EXISTS });
      redis.defineCommand('captureRecordTelemetryMany', { lua: RECORD_TELEMETRY_MANY });
    }
    this.scripts = redis as unknown as DeviceScripts;
    this.telemetryWrites = new CommandBatch((writes) => this.recordTelemetryMany(writes), { gatherMs: TELEMETRY_GATHER_MS });
  }

  async save(device: DeviceRecord): Promise<void> {
    const key = deviceKey(device.deviceId);
    await this.redis
      .multi()
      .del(key)
      .hset(key, ...hsetArgs({ deviceId: device.deviceId, ...encode(device) }))
      .expire(key, this.ttls.deviceStateSeconds)
      .sadd(INDEX_KEY, device.deviceId)
      .exec();
  }

  async get(deviceId: string): Promise<DeviceRecord | null> {
    return decode(await this.redis.hgetall(deviceKey(deviceId)));
  }

  async list(): Promise<DeviceRecord[]> {
    const ids = await this.redis.smembers(INDEX_KEY);
    if (ids.length === 0) return [];
    const replies = await readInChunks(this.redis, ids, (pipeline, id) => pipeline.hgetall(deviceKey(id)));
    const devices: DeviceRecord[] = [];
    const gone: string[] = [];
    replies.forEach((fields, i) => {
      const device = !isEmpty(fields as Fields) ? decode(fields as Fields) : null;
      if (device) devices.push(device);
      else gone.push(ids[i]!);
    });
    await pruneIndex(this.redis, { key: INDEX_KEY, type: 'set' }, deviceKey(''), gone);
    return devices;
  }

  async update(deviceId: string, patch: DevicePatch): Promise<DeviceRecord | null> {
    const args = hsetArgs(encode(patch));
    if (args.length === 0) return this.get(deviceId);
    const pairs = await this.scripts.captureUpdateDevice(deviceKey(deviceId), String(this.ttls.deviceStateSeconds), ...args);
    return pairs ? decode(pairsToFields(pairs)) : null;
  }

  async markOffline(deviceId: string, socketId: string, at: Date): Promise<boolean> {
    // Going offline is an update like any other: it renews the TTL (as the memory store does).
    const changed = await this.redis.eval(
      MARK_OFFLINE_IF_SOCKET,
      1,
      deviceKey(deviceId),
      socketId,
      encodeDate(at),
      String(this.ttls.deviceStateSeconds),
    );
    return changed === 1;
  }

  async remove(deviceId: string): Promise<void> {
    await this.redis.multi().del(deviceKey(deviceId), telemetryKey(deviceId)).srem(INDEX_KEY, deviceId).exec();
  }

  async saveTelemetry(deviceId: string, telemetry: object): Promise<void> {
    await this.redis.set(telemetryKey(deviceId), JSON.stringify(telemetry), 'EX', this.ttls.telemetrySeconds);
  }

  async recordTelemetry(deviceId: string, telemetry: object, seenAt: Date): Promise<TelemetryWrite | null> {
    return this.telemetryWrites.run({ deviceId, json: JSON.stringify(telemetry), seenAt });
  }

  private async recordTelemetryMany(writes: TelemetryToWrite[]): Promise<Array<TelemetryWrite | null>> {
    const keys: string[] = [];
    const args = [String(this.ttls.deviceStateSeconds), String(this.ttls.telemetrySeconds)];
    for (const { deviceId, json, seenAt } of writes) {
      keys.push(deviceKey(deviceId), telemetryKey(deviceId), lockKey(deviceId), lockedAtKey(deviceId));
      args.push(encodeDate(seenAt), json);
    }
    const answers = await this.scripts.captureRecordTelemetryMany(keys.length, ...keys, ...args);
    const now = Date.now();
    return writes.map((write, i) => decodeWritten(write, answers, i * ANSWER_WIDTH, now));
  }

  async getTelemetry(deviceId: string): Promise<object | null> {
    return decodeJson<object>((await this.redis.get(telemetryKey(deviceId))) ?? undefined) ?? null;
  }

  async existing(deviceIds: readonly string[]): Promise<Set<string>> {
    if (deviceIds.length === 0) return new Set();
    // A failed read throws: it must not look like a missing device (it would be registered again).
    const replies = await readInChunks(this.redis, deviceIds, (pipeline, id) => pipeline.exists(deviceKey(id)));
    return new Set(deviceIds.filter((_, i) => replies[i] === 1));
  }

  async getTelemetryMany(deviceIds: readonly string[]): Promise<Map<string, object>> {
    const result = new Map<string, object>();
    if (deviceIds.length === 0) return result;
    // One MGET per chunk, not one GET per device.
    const raws: Array<string | null> = [];
    for (const chunk of chunksOf(deviceIds)) raws.push(...(await this.redis.mget(chunk.map(telemetryKey))));
    raws.forEach((raw, i) => {
      const telemetry = decodeJson<object>(raw ?? undefined);
      if (telemetry) result.set(deviceIds[i]!, telemetry);
    });
    return result;
  }
}
