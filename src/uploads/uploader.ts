import { DomainError } from '../domain/errors';

/** Whom an upload belongs to: a headset (its device ID), or an operator with the admin key (none). */
export interface Uploader {
  deviceId?: string;
}

/**
 * Whom an upload is for: a headset uploads as itself (a `deviceId` naming another
 * device is refused); the admin key may name the device it uploads for, and then
 * writes to that device's recording folder as the device would.
 */
export function uploaderFor(uploader: Uploader, named: string | undefined): Uploader {
  if (named === undefined) return uploader;
  if (uploader.deviceId && uploader.deviceId !== named) {
    throw new DomainError('spoofed_identity', 'deviceId names a device other than the token holder');
  }
  return { deviceId: named };
}
