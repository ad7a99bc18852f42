import { timingSafeEqual, createHash, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { DomainError } from './domain/errors';
import { deviceIdSchema, deviceTypeSchema, type DeviceType } from './domain/ids';

/** The spec's DeviceAuth: what a device token carries. */
export interface DeviceAuth {
  deviceId: string;
  deviceType: DeviceType;
  iat?: number;
  exp?: number;
}

export { DEVICE_ID_PATTERN, deviceIdSchema, deviceTypeSchema } from './domain/ids';

const claimsSchema = z.object({
  deviceId: deviceIdSchema,
  deviceType: deviceTypeSchema,
  iat: z.number().optional(),
  exp: z.number().optional(),
});

/** Compares secrets in constant time; hashing first hides length differences too. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * A refused token, as the refusal a client hears: `token_expired` when it has
 * expired (get a new one), `unauthenticated` otherwise. `reason` is the finer
 * cause, for logs and metric labels.
 */
export class TokenError extends DomainError {
  constructor(
    message: string,
    readonly reason: 'missing' | 'expired' | 'invalid',
  ) {
    super(reason === 'expired' ? 'token_expired' : 'unauthenticated', message);
    this.name = 'TokenError';
  }
}

/** Issues and checks device JWTs: HS256 only, expiry always set and enforced. */
export class TokenService {
  /**
   * The secret as a key object, made once: given a string, jsonwebtoken first tries to parse it as a
   * PEM public key and catches the failure on every verify, which cost more than the HMAC itself
   * when thousands of headsets connect at once (measured with --cpu-prof).
   */
  private readonly secret: KeyObject;

  constructor(
    secret: string,
    readonly expiresIn: string,
  ) {
    this.secret = createSecretKey(Buffer.from(secret));
  }

  sign(deviceId: string, deviceType: DeviceType): string {
    return jwt.sign({ deviceId, deviceType }, this.secret, {
      algorithm: 'HS256',
      expiresIn: this.expiresIn as jwt.SignOptions['expiresIn'],
    });
  }

  verify(token: string | undefined): DeviceAuth {
    if (!token) throw new TokenError('no token', 'missing');
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: ['HS256'] });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new TokenError('token expired', 'expired');
      throw new TokenError('invalid token', 'invalid');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenError('token claims are not a device identity', 'invalid');
    if (claims.data.exp === undefined) throw new TokenError('token has no expiry', 'invalid');
    return claims.data;
  }
}
