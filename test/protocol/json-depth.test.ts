import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { MAX_JSON_DEPTH } from '../../src/protocol/limits';
import { jsonDepthWithin } from '../../src/protocol/json-depth';
import { sessionMetadataSchema } from '../../src/protocol/client-payloads';
import { closeAllClients, identifiedHeadset, tabletClient } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

/** { a: [{ a: [ ... 1 ] }] }: `depth` levels, every second one an array, the outermost an object. */
function nested(depth: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let level = depth; level >= 1; level--) value = level % 2 === 0 ? [value] : { a: value };
  return value as Record<string, unknown>;
}

describe('JSON nesting depth (issue 17, 14)', () => {
  it('counts objects and arrays as levels, without recursion', () => {
    expect(jsonDepthWithin({ a: 1 }, 1)).toBe(true);
    expect(jsonDepthWithin({ a: { b: 1 } }, 1)).toBe(false);
    expect(jsonDepthWithin({ a: [[1]] }, 3)).toBe(true);
    expect(jsonDepthWithin({ a: [[1]] }, 2)).toBe(false);
    expect(jsonDepthWithin('text', 0)).toBe(true);
    // Far deeper than any call stack: must answer, not throw RangeError.
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(jsonDepthWithin(deep, MAX_JSON_DEPTH)).toBe(false);
  });

  it('refuses metadata deeper than MAX_JSON_DEPTH with a clear message, and takes it at the limit', () => {
    expect(sessionMetadataSchema.safeParse(nested(MAX_JSON_DEPTH)).success).toBe(true);
    const refused = sessionMetadataSchema.safeParse(nested(MAX_JSON_DEPTH + 1));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => i.message)).toEqual([`too deeply nested (more than ${MAX_JSON_DEPTH} levels)`]);
  });

  describe('over the socket', () => {
    let server: CaptureServer | undefined;
    afterEach(async () => {
      closeAllClients();
      await server?.close();
    });

    it('answers 4,500-deep session metadata with a clean refusal, not "internal error", and carries on', async () => {
      server = await startServer();
      await identifiedHeadset(server, 'H1');
      const tablet = await tabletClient(server, 'T1');
      await tablet.ask('tablet-lock-devices', ['H1']);
      // Written as a raw Socket.IO packet: the client library's own walk of the arguments would overflow first.
      const engine = tablet.socket.io.engine;
      const metadata = '{"a":'.repeat(4_500) + '1' + '}'.repeat(4_500);
      const answered = new Promise<string>((resolve) => {
        engine.on('message', (data) => {
          if (typeof data === 'string' && data.startsWith('3901[')) resolve(data.slice('3901'.length));
        });
      });
      // engine.write adds the Engine.IO message type ("4"); "2901" is a Socket.IO event with ack id 901.
      engine.write(`2901["tablet-create-session",{"deviceIds":["H1"],"metadata":${metadata}}]`);
      const [answer] = JSON.parse(await answered) as [{ ok: boolean; error?: string }];
      expect(answer).toEqual({
        ok: false,
        code: 'invalid',
        error: `invalid payload: metadata: too deeply nested (more than ${MAX_JSON_DEPTH} levels)`,
      });
      const fine = await tablet.ask('tablet-create-session', { deviceIds: ['H1'], metadata: nested(3) });
      expect(fine.ok).toBe(true);
    });
  });
});
