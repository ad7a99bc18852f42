import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { ObjectStorage } from './types';

/** Recordings on local disk under DATA_DIR, keyed exactly like the bucket. */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;

  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }

  async close(): Promise<void> {}
}
