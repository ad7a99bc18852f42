import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStorage } from '../../src/storage';
import { objectStorageContract } from './object-storage.contract';

objectStorageContract('local driver', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'capture-contract-'));
  return {
    storage: new LocalStorage(root, { signingSecret: 'contract-secret' }),
    async stop() {
      rmSync(root, { recursive: true, force: true });
    },
  };
});
