import type Redis from 'ioredis';
import type { WebhookAttempt, WebhookDelivery, WebhookSettlement, WebhookStore } from '../webhook-types';
import { WEBHOOK_ATTEMPT_LOG_LENGTH } from '../memory/webhooks';

/**
 * webhook:{deliveryId} -> the delivery as JSON (TTL: the maximum age, plus an hour);
 * webhooks:due:{receiver} -> per receiver, a sorted set of delivery IDs by next attempt
 * time; webhook_attempts -> a stream of attempts capped in length.
 */
const deliveryKey = (id: string) => `webhook:${id}`;
const dueKey = (receiver: string) => `webhooks:due:${receiver}`;
const ATTEMPTS = 'webhook_attempts';

// KEYS: pairs of (the receiver's due set, the delivery's key). ARGV: max pending, TTL seconds,
// then per delivery: its JSON, its due score, its ID. Checked and added per receiver in one
// step, so concurrent enqueues cannot pass a receiver's cap. Returns 1 (queued) or 0 (refused) each.
const ENQUEUE = `
local out = {}
for i = 1, #KEYS, 2 do
  local n = (i + 1) / 2
  local base = 3 + (n - 1) * 3
  if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[i + 1], ARGV[base], 'EX', ARGV[2])
    redis.call('ZADD', KEYS[i], ARGV[base + 1], ARGV[base + 2])
    out[n] = 1
  else
    out[n] = 0
  end
end
return out`;

// KEYS: the receiver's due set, prefixed 'webhook:' stem. ARGV: now ms, limit, claim-until ms.
// Each claimed ID moves to claim-until, so another process polling meanwhile does not take it.
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local raw = redis.call('GET', KEYS[2] .. id)
  if raw then
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    table.insert(out, raw)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`;

type StoredDelivery = Omit<WebhookDelivery, 'createdAt' | 'nextAttemptAt'> & { createdAt: string; nextAttemptAt: string };

function decode(raw: string): WebhookDelivery | null {
  try {
    const s = JSON.parse(raw) as StoredDelivery;
    return { ...s, createdAt: new Date(s.createdAt), nextAttemptAt: new Date(s.nextAttemptAt) };
  } catch {
    return null;
  }
}

/** An attempt as stored; entries written before receivers had labels carry the URL, shown here by its host only. */
function decodeAttempt(raw: string | undefined): WebhookAttempt | null {
  try {
    const { url, ...a } = JSON.parse(raw ?? '') as Omit<WebhookAttempt, 'at'> & { at: string; url?: string };
    let receiver = a.receiver;
    if (typeof receiver !== 'string') {
      try {
        receiver = new URL(url ?? '').host;
      } catch {
        receiver = 'unknown';
      }
    }
    return { ...a, receiver, at: new Date(a.at) };
  } catch {
    return null;
  }
}

export class RedisWebhookStore implements WebhookStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    maxAgeSeconds: number,
  ) {
    this.ttlSeconds = maxAgeSeconds + 3600;
  }

  async enqueue(deliveries: readonly WebhookDelivery[], maxPendingPerReceiver: number): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const keys = deliveries.flatMap((d) => [dueKey(d.receiver), deliveryKey(d.deliveryId)]);
    const args = deliveries.flatMap((d) => [JSON.stringify(d), String(d.nextAttemptAt.getTime()), d.deliveryId]);
    const queued = (await this.redis.eval(
      ENQUEUE,
      keys.length,
      ...keys,
      String(maxPendingPerReceiver),
      String(this.ttlSeconds),
      ...args,
    )) as number[];
    return deliveries.filter((_, i) => queued[i] !== 1).map((d) => d.receiver);
  }

  async claimDue(receiver: string, now: Date, limit: number, claimMs: number): Promise<WebhookDelivery[]> {
    const raws = (await this.redis.eval(
      CLAIM,
      2,
      dueKey(receiver),
      deliveryKey(''),
      String(now.getTime()),
      String(limit),
      String(now.getTime() + claimMs),
    )) as string[];
    return raws.map(decode).filter((d): d is WebhookDelivery => d !== null);
  }

  async settle(delivery: WebhookDelivery, settlement: WebhookSettlement, attempt: WebhookAttempt): Promise<void> {
    const multi = this.redis.multi();
    multi.xadd(ATTEMPTS, 'MAXLEN', '~', String(WEBHOOK_ATTEMPT_LOG_LENGTH), '*', 'a', JSON.stringify(attempt));
    if (settlement.outcome === 'retrying') {
      const next: WebhookDelivery = { ...delivery, attempts: delivery.attempts + 1, nextAttemptAt: settlement.nextAttemptAt };
      multi.set(deliveryKey(delivery.deliveryId), JSON.stringify(next), 'KEEPTTL');
      multi.zadd(dueKey(delivery.receiver), settlement.nextAttemptAt.getTime(), delivery.deliveryId);
    } else {
      multi.del(deliveryKey(delivery.deliveryId));
      multi.zrem(dueKey(delivery.receiver), delivery.deliveryId);
    }
    await multi.exec();
  }

  async recentAttempts(limit: number): Promise<WebhookAttempt[]> {
    const entries = await this.redis.xrevrange(ATTEMPTS, '+', '-', 'COUNT', limit);
    // An entry this store did not write is skipped.
    return entries.map(([, fields]) => decodeAttempt(fields[1])).filter((a): a is WebhookAttempt => a !== null);
  }

  async pending(receivers: readonly string[]): Promise<Record<string, number>> {
    if (receivers.length === 0) return {};
    const pipeline = this.redis.pipeline();
    for (const r of receivers) pipeline.zcard(dueKey(r));
    const answers = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      receivers.map((r, i) => {
        const [err, count] = answers[i] ?? [null, 0];
        if (err) throw err;
        return [r, Number(count)];
      }),
    );
  }
}
