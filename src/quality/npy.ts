/**
 * The `.npy` format (NumPy's NEP 1): a magic string, a version, a header that
 * is a Python dict literal ({'descr': '<f4', 'fortran_order': False, 'shape': (n,)}),
 * then the raw array bytes. Only what recordings use is supported: versions
 * 1-3, C order (or any order for one dimension), and the dtypes below.
 */

export class NpyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyFormatError';
  }
}

export type NpyKind = 'float' | 'bool' | 'bytes' | 'unicode' | 'object';

export interface NpyDtype {
  kind: NpyKind;
  /** Bytes per element; 0 for object arrays (pickled, no fixed size). */
  itemSize: number;
  littleEndian: boolean;
  /** As written in the header, e.g. '<f4'. */
  descr: string;
}

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  fortranOrder: boolean;
  /** Bytes before the array data (magic + version + length + header). */
  dataOffset: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
/** Bytes needed to learn the header length: magic, version, 4-byte length at most. */
export const NPY_PREAMBLE_BYTES = 12;
/** numpy itself refuses headers above 10,000 bytes by default; leave room. */
const MAX_NPY_HEADER_BYTES = 64 * 1024;

/** Reads the header length from the first bytes; returns the total bytes before the data. */
export function npyDataOffset(preamble: Buffer): number {
  if (preamble.length < 10 || !preamble.subarray(0, 6).equals(MAGIC)) throw new NpyFormatError('not an .npy array (bad magic)');
  const major = preamble[6]!;
  if (major === 1) return 10 + preamble.readUInt16LE(8);
  if (major === 2 || major === 3) {
    if (preamble.length < 12) throw new NpyFormatError('truncated .npy preamble');
    const length = preamble.readUInt32LE(8);
    if (length > MAX_NPY_HEADER_BYTES) throw new NpyFormatError(`.npy header of ${length} bytes is too large`);
    return 12 + length;
  }
  throw new NpyFormatError(`unsupported .npy format version ${major}`);
}

/** Parses magic, version and header from the bytes up to the data offset. */
export function parseNpyHeader(head: Buffer): NpyHeader {
  const dataOffset = npyDataOffset(head);
  if (head.length < dataOffset) throw new NpyFormatError('truncated .npy header');
  const start = head[6] === 1 ? 10 : 12;
  const text = head.subarray(start, dataOffset).toString(head[6] === 3 ? 'utf8' : 'latin1');
  const dict = parseHeaderDict(text);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw new NpyFormatError("header 'descr' is not a simple dtype");
  if (typeof fortran !== 'boolean') throw new NpyFormatError("header 'fortran_order' is not a boolean");
  if (!Array.isArray(shape)) throw new NpyFormatError("header 'shape' is not a tuple");
  if (fortran && shape.length > 1) throw new NpyFormatError('Fortran-ordered arrays are not supported');
  return { dtype: parseDescr(descr), shape, fortranOrder: fortran, dataOffset };
}

/** Elements the shape declares; throws if it cannot be a real array. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (!Number.isSafeInteger(count)) throw new NpyFormatError(`shape (${shape.join(', ')}) is too large`);
  }
  return count;
}

function parseDescr(descr: string): NpyDtype {
  const m = /^([<>|=])([fbSUO])(\d*)$/.exec(descr);
  if (!m) throw new NpyFormatError(`unsupported dtype ${JSON.stringify(descr.slice(0, 40))}`);
  const [, order, code, digits] = m as unknown as [string, string, string, string];
  const size = digits === '' ? NaN : Number(digits);
  const littleEndian = order !== '>';
  if (code === 'f' && (size === 4 || size === 8)) return { kind: 'float', itemSize: size, littleEndian, descr };
  if (code === 'b' && size === 1) return { kind: 'bool', itemSize: 1, littleEndian, descr };
  if (code === 'S' && size >= 1) return { kind: 'bytes', itemSize: size, littleEndian, descr };
  // numpy stores unicode as UCS-4: four bytes per character.
  if (code === 'U' && size >= 1) return { kind: 'unicode', itemSize: size * 4, littleEndian, descr };
  if (code === 'O' && (digits === '' || size === 8)) return { kind: 'object', itemSize: 0, littleEndian, descr };
  throw new NpyFormatError(`unsupported dtype ${descr}`);
}

type HeaderValue = string | boolean | number[] | null;

/**
 * A tiny parser for the header's dict literal: string keys; values that are
 * strings, True/False/None or tuples of non-negative integers. Anything else
 * (structured dtypes, expressions) is refused.
 */
function parseHeaderDict(text: string): Map<string, HeaderValue> {
  const src = text.trim();
  let i = 0;
  const fail = (what: string): never => {
    throw new NpyFormatError(`malformed .npy header: ${what}`);
  };
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const expect = (ch: string) => {
    skipSpace();
    if (src[i] !== ch) fail(`expected ${ch}`);
    i++;
  };
  const readString = (): string => {
    skipSpace();
    const quote = src[i];
    if (quote !== "'" && quote !== '"') fail('expected a string');
    const end = src.indexOf(quote!, i + 1);
    if (end < 0) fail('unterminated string');
    const value = src.slice(i + 1, end);
    if (value.includes('\\')) fail('escapes are not supported');
    i = end + 1;
    return value;
  };
  const readValue = (): HeaderValue => {
    skipSpace();
    const ch = src[i];
    if (ch === "'" || ch === '"') return readString();
    for (const [word, value] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (src.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    if (ch === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        skipSpace();
        if (src[i] === ')') {
          i++;
          return dims;
        }
        const m = /^\d{1,16}/.exec(src.slice(i, i + 17));
        if (!m) fail('shape must hold whole numbers');
        dims.push(Number(m![0]));
        i += m![0].length;
        skipSpace();
        if (src[i] === ',') i++;
        else if (src[i] !== ')') fail('expected , or ) in shape');
      }
    }
    return fail('unsupported value');
  };

  const dict = new Map<string, HeaderValue>();
  expect('{');
  for (;;) {
    skipSpace();
    if (src[i] === '}') {
      i++;
      break;
    }
    const key = readString();
    expect(':');
    if (dict.has(key)) fail(`duplicate key ${key}`);
    dict.set(key, readValue());
    skipSpace();
    if (src[i] === ',') i++;
    else if (src[i] !== '}') fail('expected , or }');
  }
  skipSpace();
  if (i !== src.length) fail('trailing characters');
  return dict;
}
