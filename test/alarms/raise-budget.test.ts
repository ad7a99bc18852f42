import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeferredRaises } from '../../src/alarms/deferred-raises';
import { RaiseBudget } from '../../src/alarms/raise-budget';
import type { AlarmDecision } from '../../src/alarms/alarm-types';

const offline: AlarmDecision = { type: 'offline_while_locked', action: 'raise', value: null, message: 'headset went offline' };

describe('the per-headset raise budget', () => {
  it('allows the budget per device and minute, then refills', () => {
    const budget = new RaiseBudget(2);
    const t0 = 1_000_000;
    expect(budget.available('H1', t0)).toBe(true);
    budget.spend('H1', t0);
    budget.spend('H1', t0 + 10_000);
    expect(budget.available('H1', t0 + 20_000)).toBe(false);
    expect(budget.refillsAt('H1', t0 + 20_000)).toBe(t0 + 60_000);
    // Another headset has its own.
    expect(budget.available('H2', t0 + 20_000)).toBe(true);
    expect(budget.available('H1', t0 + 60_000)).toBe(true);
    expect(budget.refillsAt('H1', t0 + 60_000)).toBeUndefined();
  });
});

describe('raises held back with no one to send them again', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are replayed when the budget refills, unless their condition cleared first', () => {
    vi.useFakeTimers();
    const replayed: Array<[string, AlarmDecision]> = [];
    const deferred = new DeferredRaises((deviceId, decision) => replayed.push([deviceId, decision]));
    deferred.defer('H1', offline, Date.now() + 30_000);
    deferred.defer('H2', offline, Date.now() + 30_000);
    // A second one for the same device and type replaces the first.
    deferred.defer('H1', { ...offline, message: 'headset went stale' }, Date.now() + 40_000);
    deferred.cancel('H2', 'offline_while_locked');
    vi.advanceTimersByTime(35_000);
    expect(replayed).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(replayed).toEqual([['H1', { ...offline, message: 'headset went stale' }]]);
    deferred.defer('H3', offline, Date.now() + 1_000);
    deferred.stop();
    vi.advanceTimersByTime(5_000);
    expect(replayed).toHaveLength(1);
  });
});
