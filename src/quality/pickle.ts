import { Parser, type NameRegistry } from 'pickleparser';
import { NpyFormatError } from './npy';

/**
 * numpy writes an object array into .npy as a pickle of the whole ndarray:
 *   _reconstruct(ndarray, (0,), b'b') then BUILD with
 *   (version, shape, dtype('O8'), is_fortran, [item, item, ...]).
 * This unpickler resolves exactly those three numpy names to plain-data
 * stand-ins and refuses every other global, so a hostile file can never make
 * it construct or call anything else. Items must be bytes or str.
 */

export type PickledItem = string | Uint8Array;

interface ArrayStandIn {
  shape?: unknown;
  items?: unknown;
  __setstate__(state: unknown): void;
}

interface DtypeStandIn {
  descr: unknown;
  __setstate__(state: unknown): void;
}

const NDARRAY = Symbol('numpy.ndarray');

function reconstruct(cls: unknown): ArrayStandIn {
  if (cls !== NDARRAY) throw new NpyFormatError('pickle reconstructs something other than an ndarray');
  return {
    __setstate__(state: unknown) {
      if (!Array.isArray(state) || state.length !== 5) throw new NpyFormatError('unexpected ndarray pickle state');
      const [, shape, dtype, , items] = state as unknown[];
      if (!isObjectDtype(dtype)) throw new NpyFormatError('pickled ndarray is not an object array');
      this.shape = shape;
      this.items = items;
    },
  };
}

function dtype(descr: unknown): DtypeStandIn {
  return { descr, __setstate__() {} };
}

function isObjectDtype(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as DtypeStandIn).descr === 'O8';
}

const ALLOWED: Record<string, unknown> = {
  'numpy.core.multiarray._reconstruct': reconstruct,
  // numpy 2 moved the module; its pickles name the new place.
  'numpy._core.multiarray._reconstruct': reconstruct,
  'numpy.ndarray': NDARRAY,
  'numpy.dtype': dtype,
};

const nameResolver = {
  resolve(module: string, name: string) {
    const value = ALLOWED[`${module}.${name}`];
    if (value === undefined) {
      throw new NpyFormatError(`pickle refers to ${String(module).slice(0, 60)}.${String(name).slice(0, 60)}, which is not allowed`);
    }
    return value as ReturnType<NameRegistry['resolve']>;
  },
};

const refuse = () => {
  throw new NpyFormatError('pickle uses persistent ids or extensions, which are not allowed');
};

/** Decodes the pickled object array that follows an '|O' .npy header. */
export function unpickleObjectArray(bytes: Uint8Array): { shape: number[]; items: PickledItem[] } {
  const parser = new Parser({
    nameResolver,
    persistentResolver: { resolve: refuse },
    extensionResolver: { resolve: refuse },
    unpicklingTypeOfDictionary: 'Map',
    unpicklingTypeOfSet: 'array',
  });
  let result: unknown;
  try {
    result = parser.parse(bytes);
  } catch (err) {
    if (err instanceof NpyFormatError) throw err;
    throw new NpyFormatError(`corrupt pickle: ${(err as Error).message}`);
  }
  const array = result as Partial<ArrayStandIn> | undefined;
  if (!array || typeof array.__setstate__ !== 'function' || !Array.isArray(array.shape) || !Array.isArray(array.items)) {
    throw new NpyFormatError('pickle does not hold a numpy object array');
  }
  const shape = array.shape as unknown[];
  if (!shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw new NpyFormatError('bad pickled shape');
  const items = array.items as unknown[];
  for (const item of items) {
    if (typeof item !== 'string' && !(item instanceof Uint8Array)) {
      throw new NpyFormatError('object array holds something other than bytes or str');
    }
  }
  return { shape: shape as number[], items: items as PickledItem[] };
}
