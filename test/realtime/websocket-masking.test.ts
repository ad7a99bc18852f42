import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * Every WebSocket message a client sends is masked, and the server's ws unmasks it:
 * without the native bufferutil (an optional dependency) ws does it in a JavaScript
 * loop, 50 µs for one 40 KB preview frame (docs/PERFORMANCE.md). This checks that the
 * ws copy Socket.IO's engine.io uses can load it, and that it unmasks correctly.
 */
describe('WebSocket masking', () => {
  it('has the native bufferutil where the server’s ws looks for it', () => {
    const fromEngineIo = createRequire(require.resolve('engine.io'));
    const wsDir = path.dirname(fromEngineIo.resolve('ws/package.json'));
    const fromWs = createRequire(path.join(wsDir, 'lib', 'buffer-util.js'));
    const bufferUtil = fromWs('bufferutil') as { unmask(buffer: Buffer, mask: Buffer): void };
    const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    const original = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const masked = Buffer.from(original.map((byte, i) => byte ^ mask[i % 4]!));
    bufferUtil.unmask(masked, mask);
    expect(masked.equals(original)).toBe(true);
  });
});
