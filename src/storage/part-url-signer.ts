import { createHmac, randomBytes } from 'node:crypto';
import { secretsEqual } from '../auth';

/** What a local part URL grants: one part of one upload of one key, until `expires`. */
export interface PartGrant {
  uploadId: string;
  key: string;
  partNumber: number;
  /** Unix seconds. */
  expires: number;
}

export type PartUrlCheck = { ok: true } | { ok: false; reason: 'expired' | 'bad-signature' };

export const LOCAL_UPLOAD_PATH = '/local-upload';

/**
 * Signs and checks the local driver's part URLs, the way S3 presigns them:
 * an HMAC over everything the URL grants, so changing the upload, key, part
 * or expiry invalidates it.
 */
export class PartUrlSigner {
  private readonly key: Buffer;

  /** Without a secret the URLs only live as long as this process (fine for tests, not for resume across restarts). */
  constructor(secret?: string) {
    // A key of its own, derived from the server secret, so a part signature can never double as a JWT signature.
    this.key = createHmac('sha256', secret ?? randomBytes(32))
      .update('capture-backend local part URL v1')
      .digest();
  }

  sign(grant: PartGrant): string {
    return createHmac('sha256', this.key)
      .update(`${grant.uploadId}\n${grant.key}\n${grant.partNumber}\n${grant.expires}`)
      .digest('base64url');
  }

  /** The server-relative URL of one part. */
  url(grant: PartGrant): string {
    const query = new URLSearchParams({ key: grant.key, expires: String(grant.expires), signature: this.sign(grant) });
    return `${LOCAL_UPLOAD_PATH}/${encodeURIComponent(grant.uploadId)}/${grant.partNumber}?${query.toString()}`;
  }

  check(grant: PartGrant, signature: string, nowSeconds = Math.floor(Date.now() / 1000)): PartUrlCheck {
    if (!secretsEqual(signature, this.sign(grant))) return { ok: false, reason: 'bad-signature' };
    if (grant.expires < nowSeconds) return { ok: false, reason: 'expired' };
    return { ok: true };
  }
}
