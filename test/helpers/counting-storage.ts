import type { Readable } from 'node:stream';
import type { ObjectStorage, StoredObject } from '../../src/storage';

/** A real storage driver that also counts reads, to see what a cache saved. */
export class CountingStorage implements ObjectStorage {
  reads: string[] = [];

  constructor(readonly inner: ObjectStorage) {}

  get kind() {
    return this.inner.kind;
  }

  get location() {
    return this.inner.location;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  listObjects(prefix?: string): AsyncIterable<StoredObject> {
    return this.inner.listObjects(prefix);
  }

  headObject(key: string): Promise<StoredObject | null> {
    return this.inner.headObject(key);
  }

  readObject(key: string): Promise<Readable> {
    this.reads.push(key);
    return this.inner.readObject(key);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
