import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { DatasetStore } from '../../src/datasets/dataset-store';
import { MemoryDatasetStore } from '../../src/datasets/memory-dataset-store';
import { RedisDatasetStore } from '../../src/datasets/redis-dataset-store';
import { RedisStore } from '../../src/state';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { defaultTtls } from '../state/store.contract';
import { datasetStoreContract } from './dataset-store.contract';

let redis: TestRedis;
const stores: RedisStore[] = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.stop();
});

datasetStoreContract('memory', async () => new MemoryDatasetStore());
// Built as the feature builds it: through Store.extend, on the store's client (its key prefix, its unavailable boundary).
datasetStoreContract('redis', async () => {
  const store = new RedisStore({ url: redis.url, keyPrefix: redis.uniquePrefix(), ttls: defaultTtls, logger: pino({ level: 'silent' }) });
  stores.push(store);
  return store.extend<DatasetStore>({ memory: () => new MemoryDatasetStore(), redis: ({ client }) => new RedisDatasetStore(client) });
});
