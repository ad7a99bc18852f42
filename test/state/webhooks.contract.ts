import { describe, expect, it } from 'vitest';
import type { WebhookAttempt, WebhookDelivery } from '../../src/state';
import { storeMaker, type StoreFactory } from './store.contract';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s));

function delivery(id: string, nextAttemptAt: Date, receiver = 'r1', createdAt = at(0)): WebhookDelivery {
  return { deliveryId: id, eventId: `ev-${id}`, event: 'alarm.raised', receiver, body: '{}', createdAt, attempts: 0, nextAttemptAt };
}

const attempt = (id: string, n: number, outcome: WebhookAttempt['outcome'], status: number, when: Date): WebhookAttempt => ({
  deliveryId: id,
  eventId: `ev-${id}`,
  event: 'alarm.raised',
  receiver: 'hooks.example.com',
  attempt: n,
  at: when,
  outcome,
  status,
  durationMs: 3,
});

/** Webhook deliveries in one queue per receiver, run unchanged against both stores (from memory-store.test.ts and redis-store.test.ts). */
export function webhooksContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: webhook deliveries`, () => {
    const make = storeMaker(factory);

    it('queues deliveries, claims each due one once, reschedules and settles them', async () => {
      const store = await make();
      const now = at(100);
      expect(await store.webhooks.enqueue([delivery('d1', at(50)), delivery('d2', at(60)), delivery('d3', at(200))], 10)).toEqual([]);
      expect(await store.webhooks.pending(['r1', 'r2'])).toEqual({ r1: 3, r2: 0 });
      const [a, b] = await Promise.all([store.webhooks.claimDue('r1', now, 10, 30_000), store.webhooks.claimDue('r1', now, 10, 30_000)]);
      expect([...a, ...b].map((d) => d.deliveryId).sort()).toEqual(['d1', 'd2']);
      const d1 = [...a, ...b].find((d) => d.deliveryId === 'd1')!;
      await store.webhooks.settle(d1, { outcome: 'retrying', nextAttemptAt: at(110) }, attempt('d1', 1, 'retrying', 500, now));
      expect(await store.webhooks.claimDue('r1', at(109), 10, 1)).toEqual([]);
      const again = await store.webhooks.claimDue('r1', at(110), 10, 30_000);
      expect(again).toMatchObject([{ deliveryId: 'd1', attempts: 1, receiver: 'r1' }]);
      await store.webhooks.settle(again[0]!, { outcome: 'delivered' }, attempt('d1', 2, 'delivered', 200, at(110)));
      expect(await store.webhooks.pending(['r1'])).toEqual({ r1: 2 });
      const log = await store.webhooks.recentAttempts(10);
      expect(log.map((l) => [l.attempt, l.outcome, l.status, l.receiver])).toEqual([
        [2, 'delivered', 200, 'hooks.example.com'],
        [1, 'retrying', 500, 'hooks.example.com'],
      ]);
      expect(log[0]!.at).toEqual(at(110));
    });

    it("keeps each receiver's queue and cap apart: a full queue refuses only its own receiver's deliveries", async () => {
      const store = await make();
      // r1's receiver never answers: its queue fills up to the cap.
      const filled = await store.webhooks.enqueue(
        [1, 2, 3].map((i) => delivery(`dead-${i}`, at(i), 'dead')),
        3,
      );
      expect(filled).toEqual([]);
      const refused = await store.webhooks.enqueue([delivery('dead-4', at(4), 'dead'), delivery('ok-1', at(4), 'ok')], 3);
      expect(refused).toEqual(['dead']);
      // Concurrent enqueues cannot pass a receiver's cap.
      const racing = await Promise.all([5, 6, 7, 8].map((i) => store.webhooks.enqueue([delivery(`ok-${i}`, at(i), 'ok')], 3)));
      expect(racing.flat()).toEqual(['ok', 'ok']);
      expect(await store.webhooks.pending(['dead', 'ok'])).toEqual({ dead: 3, ok: 3 });
      // Claims take from one receiver's queue only.
      const claimed = await store.webhooks.claimDue('ok', at(100), 10, 30_000);
      expect(claimed.map((d) => d.receiver)).toEqual(['ok', 'ok', 'ok']);
      expect((await store.webhooks.claimDue('dead', at(100), 1, 30_000)).map((d) => d.deliveryId)).toEqual(['dead-1']);
      for (const d of claimed)
        await store.webhooks.settle(d, { outcome: 'delivered' }, attempt(d.deliveryId, 1, 'delivered', 200, at(100)));
      expect(await store.webhooks.pending(['dead', 'ok'])).toEqual({ dead: 3, ok: 0 });
      expect(await store.webhooks.enqueue([delivery('ok-9', at(9), 'ok')], 3)).toEqual([]);
    });
  });
}
