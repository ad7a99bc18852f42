import { DomainError } from '../domain/errors';
import type { Store } from '../state';
import type { ObjectStorage } from '../storage';
import type { Uploader } from './uploader';

/** The claim owner of an uploader: device IDs cannot contain ':', so an operator never collides with a headset. */
export const keyOwner = (uploader: Uploader): string => (uploader.deviceId ? `device:${uploader.deviceId}` : 'operator');

const describeOwner = (owner: string): string => (owner.startsWith('device:') ? owner.slice('device:'.length) : 'an operator');

/**
 * Who may write an object key, decided atomically by the store (set-if-absent),
 * for both upload routes. Without it, headsets starting on one key at the same
 * moment all passed a read-then-write check and the last writer replaced the
 * others' recordings. The claim lasts the upload TTL: while it holds, only its
 * owner writes the key; after that, an existing object still refuses everyone.
 */
export class KeyClaims {
  constructor(
    private readonly store: Store,
    private readonly storage: ObjectStorage,
  ) {}

  /**
   * Claims `key` for the uploader, or refuses with key_conflict. A new claim
   * on a key that already holds an object (copied in, uploaded before a store
   * reset, or by someone whose claim expired) is given back and refused.
   * Resolves with whether the claim is new (the caller releases it on failure).
   */
  async claim(key: string, uploader: Uploader): Promise<{ isNew: boolean }> {
    const owner = keyOwner(uploader);
    const claim = await this.store.uploads.claimKey(key, owner);
    if (claim.outcome === 'held') {
      throw new DomainError(
        'key_conflict',
        `${key} is being uploaded or was uploaded by ${describeOwner(claim.owner)}; record with a distinct timestamp`,
      );
    }
    if (claim.outcome === 'renewed') return { isNew: false };
    if (await this.storage.headObject(key).catch(() => null)) {
      await this.release(key, uploader);
      throw new DomainError('key_conflict', `a recording already exists at ${key}; record with a distinct timestamp`);
    }
    return { isNew: true };
  }

  /** Gives the uploader's claim up (abort, expiry, a failed legacy upload); never fails the caller. */
  async release(key: string, uploader: Uploader): Promise<void> {
    await this.store.uploads.releaseKey(key, keyOwner(uploader)).catch(() => false);
  }
}
