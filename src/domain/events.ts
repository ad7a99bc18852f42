/**
 * What the domain announces. Services publish; the transports (and other
 * services) subscribe. The emitter is created first in the composition root
 * and handed to whoever publishes or listens, so no module reaches into
 * another's internals and nothing is bound late.
 *
 * Each feature declares the events it publishes in its own `events.ts`, by
 * adding to this interface (TypeScript declaration merging), so a new event
 * is written where it is published and this module knows no feature:
 *
 *     declare module '../domain/events' {
 *       interface DomainEventMap { 'lock.changed': { deviceId: string; ... } }
 *     }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by each feature's events.ts
export interface DomainEventMap {}

export type DomainEventName = keyof DomainEventMap;
type Listener<E extends DomainEventName> = (event: DomainEventMap[E]) => void | Promise<void>;

export class DomainEvents {
  private readonly listeners = new Map<DomainEventName, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<E extends DomainEventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Calls every listener and resolves when all have finished. A listener's
   * failure rejects the publish (after the others ran), so the publisher
   * answers its caller with the error as it would for its own.
   *
   * Hot path (device.telemetry: three listeners, thousands of times a
   * second): listeners are called directly and only the promises they return
   * are waited for, so a synchronous listener (the alarm rules, the timeline)
   * costs a call, not a promise and an allSettled entry each.
   */
  async publish<E extends DomainEventName>(name: E, event: DomainEventMap[E]): Promise<void> {
    const set = this.listeners.get(name);
    if (!set || set.size === 0) return;
    let pending: Array<Promise<void>> | undefined;
    for (const listener of set) {
      let result: void | Promise<void>;
      try {
        result = (listener as Listener<E>)(event);
      } catch (err) {
        // Kept in its place among the others, so the first failure in subscription order is the one thrown.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrown as the listener threw it
        result = Promise.reject(err);
      }
      if (result instanceof Promise) (pending ??= []).push(result);
    }
    if (!pending) return;
    if (pending.length === 1) return pending[0];
    const results = await Promise.allSettled(pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
