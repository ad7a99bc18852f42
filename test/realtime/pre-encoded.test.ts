import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { emitPreEncoded, encodeJson, PreEncodingEncoder, wireEvent } from '../../src/realtime/pre-encoded';

const update = {
  deviceId: 'QUEST_001',
  isOnline: true,
  isStale: false,
  lastSeen: '2026-12-02T00:00:00.000Z',
  telemetry: null,
  isLocked: false,
};

/** What emitPreEncoded hands Socket.IO: the packet data of its emit. */
function emittedData(event: 'on-device-telemetry-updated', json: ReturnType<typeof encodeJson<typeof update>>): unknown[] {
  let data: unknown[] = [];
  emitPreEncoded({ emit: (...args: unknown[]) => (data = args) }, event, json);
  return data;
}

function decode(encoded: string): Packet {
  const decoder = new Decoder();
  let packet: Packet | undefined;
  decoder.on('decoded', (p: Packet) => (packet = p));
  decoder.add(encoded);
  return packet!;
}

describe('pre-encoded events', () => {
  const data = emittedData('on-device-telemetry-updated', encodeJson(update));

  it('go on the wire exactly as the value emitted the usual way would', () => {
    for (const base of [{ nsp: '/' }, { nsp: '/admin' }, { nsp: '/', id: 0 }, { nsp: '/admin', id: 17 }]) {
      const [encoded] = new PreEncodingEncoder().encode({ type: PacketType.EVENT, data, ...base });
      const [usual] = new Encoder().encode({ type: PacketType.EVENT, data: ['on-device-telemetry-updated', update], ...base });
      expect(encoded, JSON.stringify(base)).toBe(usual);
      expect(decode(encoded as string)).toMatchObject({ type: PacketType.EVENT, ...base, data: ['on-device-telemetry-updated', update] });
    }
  });

  it('leave every other packet to socket.io-parser', () => {
    const encoder = new PreEncodingEncoder();
    const usual = new Encoder();
    const packets: Packet[] = [
      { type: PacketType.EVENT, nsp: '/', data: ['on-headsets-updated', ['QUEST_001']] },
      // A plain string argument that happens to be JSON stays a string.
      { type: PacketType.EVENT, nsp: '/', data: ['on-headset-logs-processed', '{"a":1}'] },
      { type: PacketType.EVENT, nsp: '/', data: ['on-frame', { deviceId: 'QUEST_001', jpeg: Buffer.from([1, 2, 3]) }] },
      { type: PacketType.ACK, nsp: '/', id: 3, data: [{ ok: true }] },
      { type: PacketType.CONNECT, nsp: '/', data: { sid: 'abc' } },
    ];
    for (const packet of packets) expect(encoder.encode(packet)).toEqual(usual.encode(packet));
  });

  it('name the event their clients receive', () => {
    expect(wireEvent(data)).toBe('on-device-telemetry-updated');
    expect(wireEvent(['on-headsets-updated', []])).toBe('on-headsets-updated');
    expect(data[0]).not.toBe('on-device-telemetry-updated');
  });
});
