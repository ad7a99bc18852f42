import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyseNpz } from '../../src/quality/analyse';
import { decodeNpyData } from '../../src/quality/npy-decode';
import { NpyFormatError, parseNpyHeader } from '../../src/quality/npy';
import { NpzFormatError, readNpz } from '../../src/quality/npz-reader';
import { unpickleObjectArray } from '../../src/quality/pickle';

/** An .npy header as numpy writes it: magic, version, little-endian length, dict padded with spaces to 64 bytes. */
function npyHeader(dict: string, major = 1): Buffer {
  const fixed = major === 1 ? 10 : 12;
  const padding = 64 - ((fixed + dict.length + 1) % 64);
  const body = Buffer.from(`${dict}${' '.repeat(padding % 64)}\n`, major === 3 ? 'utf8' : 'latin1');
  const head = Buffer.alloc(fixed);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(body.length, 8);
  else head.writeUInt32LE(body.length, 8);
  return Buffer.concat([head, body]);
}

const FIXTURE = path.join(__dirname, 'fixtures', 'good_object_f32.npz');

describe('.npy headers', () => {
  it('reads versions 1, 2 and 3', () => {
    for (const major of [1, 2, 3]) {
      const head = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", major);
      const header = parseNpyHeader(head);
      expect(header).toMatchObject({ shape: [3], fortranOrder: false, dataOffset: head.length });
      expect(header.dtype).toMatchObject({ kind: 'float', itemSize: 4, littleEndian: true });
    }
  });

  it('reads scalar and multi-dimensional shapes', () => {
    expect(parseNpyHeader(npyHeader("{'descr': '|b1', 'fortran_order': False, 'shape': ()}")).shape).toEqual([]);
    expect(parseNpyHeader(npyHeader("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3)}")).shape).toEqual([2, 3]);
  });

  it('refuses what it does not support, with a reason', () => {
    const bad: Array<[string, RegExp]> = [
      ["{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", /unsupported value/],
      ["{'descr': '<i8', 'fortran_order': False, 'shape': (3,)}", /unsupported dtype "<i8"/],
      ["{'descr': '<f2', 'fortran_order': False, 'shape': (3,)}", /unsupported dtype <f2/],
      ["{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2)}", /Fortran-ordered/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (__import__('os'),)}", /whole numbers/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} extra", /trailing/],
      ["{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}", /duplicate/],
      ["{'descr': '<f4', 'shape': (3,)}", /fortran_order/],
    ];
    for (const [dict, reason] of bad) expect(() => parseNpyHeader(npyHeader(dict)), dict).toThrow(reason);
    expect(() => parseNpyHeader(Buffer.from('PK\x03\x04 not numpy at all'))).toThrow(/bad magic/);
    const v4 = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}");
    v4[6] = 4;
    expect(() => parseNpyHeader(v4)).toThrow(/version 4/);
  });
});

describe('.npy data', () => {
  const header = (dict: string) => parseNpyHeader(npyHeader(dict));

  it('decodes big-endian floats and doubles', () => {
    const data = Buffer.alloc(16);
    data.writeDoubleBE(0.25, 0);
    data.writeDoubleBE(-1.5, 8);
    const array = decodeNpyData(header("{'descr': '>f8', 'fortran_order': False, 'shape': (2,)}"), data);
    expect(array.kind).toBe('float');
    expect([...(array.data as Float64Array)]).toEqual([0.25, -1.5]);
    const f32 = Buffer.alloc(8);
    f32.writeFloatBE(0.5, 0);
    f32.writeFloatBE(2, 4);
    expect([...(decodeNpyData(header("{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}"), f32).data as Float32Array)]).toEqual([
      0.5, 2,
    ]);
  });

  it('decodes fixed bytes and UCS-4 text without their NUL padding', () => {
    const bytes = decodeNpyData(header("{'descr': '|S4', 'fortran_order': False, 'shape': (2,)}"), Buffer.from('ab\0\0wxyz'));
    expect((bytes.data as Uint8Array[]).map((b) => Buffer.from(b).toString())).toEqual(['ab', 'wxyz']);
    const text = Buffer.alloc(12);
    text.writeUInt32LE(0x68, 0);
    text.writeUInt32LE(0x1f600, 4);
    expect(decodeNpyData(header("{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}"), text).data).toEqual(['h😀']);
  });

  it('refuses bools other than 0 and 1', () => {
    expect(() => decodeNpyData(header("{'descr': '|b1', 'fortran_order': False, 'shape': (2,)}"), Buffer.from([1, 2]))).toThrow(/0 or 1/);
  });
});

describe('restricted unpickling', () => {
  it('refuses any global but numpy array reconstruction, before calling anything', () => {
    // Protocol 0: builtins.eval('1+1'). A naive unpickler would call eval.
    const evil = Buffer.from('cbuiltins\neval\n(V1+1\ntR.', 'latin1');
    expect(() => unpickleObjectArray(evil)).toThrow(/builtins\.eval, which is not allowed/);
    const os = Buffer.from('cos\nsystem\n(Vtrue\ntR.', 'latin1');
    expect(() => unpickleObjectArray(os)).toThrow(NpyFormatError);
  });

  it('refuses pickles that are not an object array', () => {
    // Protocol 2: a plain list [1].
    expect(() => unpickleObjectArray(Buffer.from([0x80, 0x02, 0x5d, 0x4b, 0x01, 0x61, 0x2e]))).toThrow(/not hold a numpy object array/);
    expect(() => unpickleObjectArray(Buffer.from([0x80, 0x02, 0xff]))).toThrow(NpyFormatError);
  });
});

describe('NPZ limits and failures', () => {
  it('refuses a file larger than the limit without reading it all', async () => {
    await expect(readNpz(createReadStream(FIXTURE), { maxBytes: 2048 })).rejects.toThrow(/larger than the 2048-byte limit/);
  });

  it('refuses arrays whose decoded size would pass the limit, before allocating', async () => {
    // The file is 6 KB; its arrays are 600 * (4 + 4 + 5) bytes plus headers.
    await expect(readNpz(createReadStream(FIXTURE), { maxBytes: 7_000 })).rejects.toThrow(NpzFormatError);
    await expect(readNpz(createReadStream(FIXTURE), { maxBytes: 7_000 })).rejects.toThrow(/over the 7000-byte limit/);
  });

  it('scores a file storage could not deliver as failing, and marks it not cacheable', async () => {
    const broken = async () =>
      new Readable({
        read() {
          this.destroy(new Error('connection reset'));
        },
      });
    const { score, cacheable } = await analyseNpz(broken, { maxNpzBytes: 1 << 20, lowConfidence: 0.5 });
    expect(cacheable).toBe(false);
    expect(score.stages.stage10_validationTests.npzIntegrityCheck).toBe(false);
    expect(score.overallQualityScore).toBe(0);
    expect(score.issues).toEqual(['the file could not be read from storage']);
    const missing = await analyseNpz(() => Promise.reject(new Error('NoSuchKey')), { maxNpzBytes: 1 << 20, lowConfidence: 0.5 });
    expect(missing.cacheable).toBe(false);
  });
});
