import { performance } from 'node:perf_hooks';
import os from 'node:os';
import * as notepack from 'notepack.io';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { telemetryUpdate, type DeviceSnapshot } from '../../src/fleet/views';
import type { DeviceTelemetry } from '../../src/protocol';
import { emitPreEncoded, encodeJson, PreEncodingEncoder } from '../../src/realtime/pre-encoded';
import { telemetry as benchTelemetry } from './load';
import { numberOption } from '../lib/options';
import { percentile } from '../lib/process';

/**
 * npm run bench:encoding [-- --updates 2000 --rounds 15]
 *
 * What one telemetry batch costs to encode, per update it carries, the way Socket.IO
 * did it (baseline: the stock encoder JSON-encodes the packet; with several processes
 * the Redis adapter msgpack-encodes the objects, and every other process decodes
 * them and JSON-encodes them again) against the pre-encoded way (one JSON.stringify
 * of the batch; it crosses Redis as one string and is written out unchanged). The
 * same code as the server (views.ts, pre-encoded.ts, notepack.io as the adapter uses
 * it); rounds alternate, medians are printed with their ratio.
 */

const UPDATES = numberOption('updates', 2000);
const ROUNDS = numberOption('rounds', 15);
const REPEAT = 20;

const snapshots: DeviceSnapshot[] = Array.from({ length: UPDATES }, (_, i) => {
  const deviceId = `BENCH_${i}`;
  const telemetry: DeviceTelemetry = benchTelemetry(deviceId, i);
  const record = { deviceId, deviceType: 'headset', isOnline: true, isRecording: false, lastSeen: new Date(), firstSeen: new Date() };
  return { record, telemetry, lock: null } as unknown as DeviceSnapshot;
});
const msgpackEncode = (value: unknown) => notepack.encode(value) as Buffer;
const packetOf = (message: Buffer) => (notepack.decode(message) as { data: { packet: Packet } }).data.packet;
/** The length of what an encoder writes to each socket for a (non-binary) packet. */
const written = (encoder: Encoder, packet: Packet) => (encoder.encode(packet) as string[])[0]!.length;
const updates = () => snapshots.map((s) => telemetryUpdate(s, Date.now(), 30_000));
const opts = { rooms: ['dashboards:telemetry-batches'], except: [], flags: {} };
/** A cluster adapter message as @socket.io/redis-adapter publishes a broadcast. */
const published = (packet: Packet) => msgpackEncode({ uid: 'bench-process-uid', type: 3, data: { packet, opts }, nsp: '/' });

const stock = new Encoder();
const preEncoding = new PreEncodingEncoder();
function preEncodedPacket(): Packet {
  let data: unknown[] = [];
  emitPreEncoded(
    { emit: (...a: unknown[]) => (data = a) },
    'on-fleet-telemetry-batch',
    encodeJson({ updates: updates(), intervalMs: 500 }),
  );
  return { type: PacketType.EVENT, nsp: '/', data };
}
const stockPacket = (): Packet => ({
  type: PacketType.EVENT,
  nsp: '/',
  data: ['on-fleet-telemetry-batch', { updates: updates(), intervalMs: 500 }],
});

/** A batch as another process receives it from Redis, each way. */
const received = { baseline: published(stockPacket()), preEncoded: published(preEncodedPacket()) };

/** Each case: the work of one process for one batch; returns the bytes written, so nothing is optimised away. */
const cases = {
  'one process: encode for its dashboards': {
    baseline: () => written(stock, stockPacket()),
    preEncoded: () => written(preEncoding, preEncodedPacket()),
  },
  'sender of two: encode for its dashboards and publish': {
    baseline: () => {
      const packet = stockPacket();
      return written(stock, packet) + published(packet).length;
    },
    preEncoded: () => {
      const packet = preEncodedPacket();
      return written(preEncoding, packet) + published(packet).length;
    },
  },
  'receiver of two: decode and encode for its dashboards': {
    baseline: () => written(stock, packetOf(received.baseline)),
    preEncoded: () => written(preEncoding, packetOf(received.preEncoded)),
  },
};

function microsPerUpdate(work: () => number): number {
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < REPEAT; i++) bytes += work();
  const elapsed = performance.now() - start;
  if (bytes === 0) throw new Error('nothing encoded');
  return (elapsed * 1000) / REPEAT / UPDATES;
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

function main(): void {
  console.log(
    `bench:encoding: batches of ${UPDATES} telemetry updates, ${ROUNDS} alternating rounds, load average ${os.loadavg()[0]!.toFixed(1)}\n`,
  );
  console.log('| work per batch | Socket.IO as is (baseline) | pre-encoded | pre-encoded / baseline |\n|---|---|---|---|');
  for (const [name, { baseline, preEncoded }] of Object.entries(cases)) {
    const times = { baseline: [] as number[], preEncoded: [] as number[] };
    for (let r = 0; r < ROUNDS + 3; r++) {
      const b = microsPerUpdate(baseline);
      const p = microsPerUpdate(preEncoded);
      if (r < 3) continue; // the first rounds warm the JIT up
      times.baseline.push(b);
      times.preEncoded.push(p);
    }
    const b = median(times.baseline);
    const p = median(times.preEncoded);
    console.log(`| ${name} | ${b.toFixed(2)} µs per update | ${p.toFixed(2)} µs per update | ${(p / b).toFixed(2)} |`);
  }
  console.log(`\nload average now ${os.loadavg()[0]!.toFixed(1)}`);
}

main();
