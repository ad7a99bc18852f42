import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/clients';
import { FrameRelay, type FrameDropReason, type FrameRelayLimits } from '../../src/frames/frame-relay';

/**
 * The relay's rules on a hand-driven clock: flushes are called by the test
 * (the interval is far longer than any test), so counts and order are exact.
 */
function relayWith(limits: Partial<FrameRelayLimits> = {}) {
  let clock = 0;
  const delivered: Array<{ deviceId: string; frame: string }> = [];
  const batches: Array<{ deviceId: string; count: number }> = [];
  const drops: FrameDropReason[] = [];
  const failures: unknown[] = [];
  let failOn: string | undefined;
  const relay = new FrameRelay<string>(
    { throttleMs: 16, batchIntervalMs: 3_600_000, maxBatchSize: 5, ...limits },
    {
      deliver(deviceId, frame) {
        if (frame === failOn) throw new Error('viewer gone');
        delivered.push({ deviceId, frame });
      },
      dropped: (reason) => drops.push(reason),
      flushed: (deviceId, count) => batches.push({ deviceId, count }),
      failed: (err) => failures.push(err),
      now: () => clock,
    },
  );
  relays.push(relay);
  return {
    relay,
    delivered,
    batches,
    drops,
    failures,
    at: (ms: number) => (clock = ms),
    failOn: (frame: string) => (failOn = frame),
    framesOf: (deviceId: string) => delivered.filter((d) => d.deviceId === deviceId).map((d) => d.frame),
  };
}

const relays: Array<FrameRelay<string>> = [];
afterEach(() => {
  for (const r of relays.splice(0)) r.stop();
});

describe('frame relay', () => {
  it('relays a steady 30 fps stream whole and in order', async () => {
    const t = relayWith();
    for (let i = 0; i < 90; i++) {
      t.at(i * 33.3);
      expect(t.relay.submit('Q1', 's1', `f${i}`, 10)).toBeUndefined();
      await t.relay.flush();
    }
    expect(t.framesOf('Q1')).toEqual(Array.from({ length: 90 }, (_, i) => `f${i}`));
    expect(t.drops).toEqual([]);
  });

  it('lets two frames of a steady stream through when they arrive together', () => {
    const t = relayWith();
    t.at(0);
    t.relay.submit('Q1', 's1', 'f0', 10);
    // f1 was due at 33 but arrives with f2 at 66 (a stall on the way).
    t.at(66);
    expect(t.relay.submit('Q1', 's1', 'f1', 10)).toBeUndefined();
    expect(t.relay.submit('Q1', 's1', 'f2', 10)).toBeUndefined();
    expect(t.relay.submit('Q1', 's1', 'f3', 10)).toBe('throttle');
  });

  it('lets a headset flooding at 300 fps through at about one frame per throttle interval', async () => {
    const t = relayWith();
    for (let i = 0; i < 300; i++) {
      t.at(i * (1000 / 300));
      t.relay.submit('Q1', 's1', `f${i}`, 10);
      if (i % 10 === 0) await t.relay.flush();
    }
    await t.relay.flush();
    const relayed = t.framesOf('Q1').length;
    // 1000 ms / 16 ms = 62.5, plus the one frame the throttle lets come early.
    expect(relayed).toBeGreaterThanOrEqual(60);
    expect(relayed).toBeLessThanOrEqual(64);
    expect(t.drops.filter((r) => r === 'throttle')).toHaveLength(300 - relayed);
  });

  it('sends the frames queued between two flushes together, in order, per headset', async () => {
    const t = relayWith({ throttleMs: 0 });
    for (const [deviceId, frame] of [
      ['Q1', 'a1'],
      ['Q2', 'b1'],
      ['Q1', 'a2'],
      ['Q1', 'a3'],
      ['Q2', 'b2'],
    ] as const) {
      t.relay.submit(deviceId, 's', frame, 10);
    }
    expect(t.delivered).toEqual([]);
    await t.relay.flush();
    expect(t.framesOf('Q1')).toEqual(['a1', 'a2', 'a3']);
    expect(t.framesOf('Q2')).toEqual(['b1', 'b2']);
    expect(t.batches).toEqual([
      { deviceId: 'Q1', count: 3 },
      { deviceId: 'Q2', count: 2 },
    ]);
    // Sent frames are gone: the next flush carries only what came after.
    t.relay.submit('Q1', 's', 'a4', 10);
    await t.relay.flush();
    expect(t.framesOf('Q1')).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(t.batches.at(-1)).toEqual({ deviceId: 'Q1', count: 1 });
  });

  it('drops the oldest frames past the batch limit and counts them', async () => {
    const t = relayWith({ throttleMs: 0, maxBatchSize: 5 });
    for (let i = 0; i < 8; i++) expect(t.relay.submit('Q1', 's', `f${i}`, 10)).toBeUndefined();
    await t.relay.flush();
    expect(t.framesOf('Q1')).toEqual(['f3', 'f4', 'f5', 'f6', 'f7']);
    expect(t.drops).toEqual(['overflow', 'overflow', 'overflow']);
  });

  it('goes on with the next frame when one delivery fails', async () => {
    const t = relayWith({ throttleMs: 0 });
    t.failOn('f1');
    for (const f of ['f0', 'f1', 'f2']) t.relay.submit('Q1', 's', f, 10);
    await t.relay.flush();
    expect(t.framesOf('Q1')).toEqual(['f0', 'f2']);
    expect(t.failures).toHaveLength(1);
  });

  it('waits for an asynchronous delivery before the next frame', async () => {
    const order: string[] = [];
    const relay = new FrameRelay<string>(
      { throttleMs: 0, batchIntervalMs: 3_600_000, maxBatchSize: 5 },
      {
        async deliver(_id, frame) {
          order.push(`start ${frame}`);
          await new Promise((r) => setImmediate(r));
          order.push(`end ${frame}`);
        },
        dropped: () => {},
        flushed: () => {},
        failed: () => {},
      },
    );
    relays.push(relay);
    relay.submit('Q1', 's', 'a', 1);
    relay.submit('Q1', 's', 'b', 1);
    await relay.flush();
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('frees a headset when its connection goes, but not for an older connection', async () => {
    const t = relayWith({ throttleMs: 0 });
    t.relay.submit('Q1', 'old', 'f0', 10);
    t.relay.submit('Q1', 'new', 'f1', 10);
    t.relay.submit('Q2', 's2', 'g0', 10);
    expect(t.relay.size).toBe(2);
    t.relay.forget('Q1', 'old');
    expect(t.relay.size).toBe(2);
    t.relay.forget('Q1', 'new');
    t.relay.forget('Q2', 's2');
    expect(t.relay.size).toBe(0);
    await t.relay.flush();
    // Frames queued by a headset that left are not sent.
    expect(t.delivered).toEqual([]);
  });

  it('flushes on its own timer', async () => {
    const t = relayWith({ throttleMs: 0, batchIntervalMs: 5 });
    t.relay.submit('Q1', 's', 'f0', 10);
    await eventually(() => expect(t.framesOf('Q1')).toEqual(['f0']));
  });
});
