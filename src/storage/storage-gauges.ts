import { Gauge, type Registry } from 'prom-client';
import type { ObjectStorage } from './types';

/**
 * turing_storage_free_bytes: space left where recordings are written, read from
 * the file system at each scrape. Only storage that can fill up (local disk)
 * has it; a bucket has no such limit, so the gauge is not registered for S3.
 */
export function registerStorageGauges(registry: Registry, storage: ObjectStorage): void {
  const freeBytes = storage.freeBytes?.bind(storage);
  if (!freeBytes) return;
  new Gauge({
    name: 'turing_storage_free_bytes',
    help: 'Bytes free for recordings on the storage volume (local storage only)',
    registers: [registry],
    async collect() {
      // A failed read leaves the series out of this scrape rather than failing the whole scrape.
      const free = await freeBytes().catch(() => undefined);
      if (free === undefined) this.reset();
      else this.set(free);
    },
  });
}
