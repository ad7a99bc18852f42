import type { ObjectStorage } from '../../src/storage';

/**
 * A real storage driver that also records which keys were read, to see what a
 * cache saved. A Proxy rather than a wrapper class, so it keeps working when
 * the ObjectStorage interface grows.
 */
export function countingStorage(inner: ObjectStorage): { storage: ObjectStorage; reads: string[] } {
  const reads: string[] = [];
  const storage = new Proxy(inner, {
    get(target, property) {
      if (property === 'readObject') {
        return (key: string) => {
          reads.push(key);
          return target.readObject(key);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { storage, reads };
}
