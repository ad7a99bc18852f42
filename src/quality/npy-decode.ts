import { elementCount, NpyFormatError, type NpyHeader } from './npy';
import { unpickleObjectArray, type PickledItem } from './pickle';

/** A decoded array: numbers for floats, 0/1 bytes for bools, strings or bytes for text and objects. */
export type NpyArray =
  | { kind: 'float'; descr: string; shape: number[]; data: Float32Array | Float64Array }
  | { kind: 'bool'; descr: string; shape: number[]; data: Uint8Array }
  | { kind: 'bytes' | 'unicode' | 'object'; descr: string; shape: number[]; data: PickledItem[] };

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of array data the header promises, or undefined for pickled object arrays. */
export function expectedDataBytes(header: NpyHeader): number | undefined {
  if (header.dtype.kind === 'object') return undefined;
  const bytes = elementCount(header.shape) * header.dtype.itemSize;
  if (!Number.isSafeInteger(bytes)) throw new NpyFormatError('declared array size is too large');
  return bytes;
}

/**
 * Turns the bytes after the header into values. `data` must be exactly the
 * size expectedDataBytes() promised (the reader checks that before it
 * allocates); it may be reused as the typed array's storage.
 */
export function decodeNpyData(header: NpyHeader, data: Buffer): NpyArray {
  const { dtype, shape } = header;
  const count = elementCount(shape);
  const base = { descr: dtype.descr, shape };
  switch (dtype.kind) {
    case 'float':
      return { kind: 'float', ...base, data: decodeFloats(data, count, dtype.itemSize, dtype.littleEndian) };
    case 'bool':
      for (const byte of data) if (byte > 1) throw new NpyFormatError('bool array holds a value other than 0 or 1');
      return { kind: 'bool', ...base, data: new Uint8Array(data.buffer, data.byteOffset, count) };
    case 'bytes':
      return { kind: 'bytes', ...base, data: fixedItems(data, count, dtype.itemSize, (b) => b.subarray(0, lastNonZero(b))) };
    case 'unicode':
      return { kind: 'unicode', ...base, data: fixedItems(data, count, dtype.itemSize, (b) => decodeUcs4(b, dtype.littleEndian)) };
    case 'object': {
      const { shape: pickledShape, items } = unpickleObjectArray(data);
      if (pickledShape.join(',') !== shape.join(',') || items.length !== count) {
        throw new NpyFormatError('pickled object array does not match its header shape');
      }
      return { kind: 'object', ...base, data: items };
    }
  }
}

function decodeFloats(data: Buffer, count: number, size: number, littleEndian: boolean): Float32Array | Float64Array {
  // Typed arrays need aligned, host-order storage; copy into a fresh buffer only when they do not get it.
  const aligned = data.byteOffset % size === 0 && littleEndian === hostLittleEndian;
  if (aligned)
    return size === 4 ? new Float32Array(data.buffer, data.byteOffset, count) : new Float64Array(data.buffer, data.byteOffset, count);
  const out = size === 4 ? new Float32Array(count) : new Float64Array(count);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < count; i++) out[i] = size === 4 ? view.getFloat32(i * 4, littleEndian) : view.getFloat64(i * 8, littleEndian);
  return out;
}

function fixedItems(data: Buffer, count: number, size: number, decode: (b: Buffer) => PickledItem): PickledItem[] {
  const items: PickledItem[] = [];
  for (let i = 0; i < count; i++) items.push(decode(data.subarray(i * size, (i + 1) * size)));
  return items;
}

/** numpy pads fixed-width bytes with trailing NULs and drops them on read. */
function lastNonZero(b: Buffer): number {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return end;
}

/** numpy keeps inner NULs and drops trailing ones. */
function decodeUcs4(b: Buffer, littleEndian: boolean): string {
  const codes: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) {
    const code = littleEndian ? b.readUInt32LE(i) : b.readUInt32BE(i);
    if (code > 0x10ffff) throw new NpyFormatError('unicode array holds an invalid code point');
    codes.push(code);
  }
  while (codes.length > 0 && codes[codes.length - 1] === 0) codes.pop();
  let s = '';
  // In slices: spreading a very long array into one call overflows the stack.
  for (let i = 0; i < codes.length; i += 4096) s += String.fromCodePoint(...codes.slice(i, i + 4096));
  return s;
}
