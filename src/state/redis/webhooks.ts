import type Redis from 'ioredis';
import type { WebhookAttempt, WebhookDelivery, WebhookSettlement, WebhookStore } from '../webhook-types';
import { WEBHOOK_ATTEMPT_LOG_LENGTH } from '../memory/webhooks';

/**
 * webhook:{deliveryId} -> the delivery as JSON (TTL: the maximum age, plus an hour);
 * webhooks:due -> sorted set of delivery IDs by next attempt time; webhook_attempts -> a
 * stream of attempts capped in length.
 */
const deliveryKey = (id: string) => `webhook:${id}`;
const DUE = 'webhooks:due';
const ATTEMPTS = 'webhook_attempts';

// KEYS: due set, prefixed 'webhook:' stem. ARGV: now ms, limit, claim-until ms.
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

export class RedisWebhookStore implements WebhookStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    maxAgeSeconds: number,
  ) {
    this.ttlSeconds = maxAgeSeconds + 3600;
  }

  async enqueue(deliveries: readonly WebhookDelivery[], maxPending: number): Promise<number> {
    // The cap is a bound on memory, not an exact count: concurrent enqueues may pass it by a few.
    const pending = await this.redis.zcard(DUE);
    const room = Math.max(0, maxPending - pending);
    const accepted = deliveries.slice(0, room);
    if (accepted.length > 0) {
      const multi = this.redis.multi();
      for (const d of accepted) {
        multi.set(deliveryKey(d.deliveryId), JSON.stringify(d), 'EX', this.ttlSeconds);
        multi.zadd(DUE, d.nextAttemptAt.getTime(), d.deliveryId);
      }
      await multi.exec();
    }
    return deliveries.length - accepted.length;
  }

  async claimDue(now: Date, limit: number, claimMs: number): Promise<WebhookDelivery[]> {
    const raws = (await this.redis.eval(
      CLAIM,
      2,
      DUE,
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
      multi.zadd(DUE, settlement.nextAttemptAt.getTime(), delivery.deliveryId);
    } else {
      multi.del(deliveryKey(delivery.deliveryId));
      multi.zrem(DUE, delivery.deliveryId);
    }
    await multi.exec();
  }

  async recentAttempts(limit: number): Promise<WebhookAttempt[]> {
    const entries = await this.redis.xrevrange(ATTEMPTS, '+', '-', 'COUNT', limit);
    const attempts: WebhookAttempt[] = [];
    for (const [, fields] of entries) {
      try {
        const a = JSON.parse(fields[1] ?? '') as Omit<WebhookAttempt, 'at'> & { at: string };
        attempts.push({ ...a, at: new Date(a.at) });
      } catch {
        // An entry this store did not write is skipped.
      }
    }
    return attempts;
  }

  async pendingCount(): Promise<number> {
    return this.redis.zcard(DUE);
  }
}
