import { CaptureHttp, HttpCallError } from '@capture-backend/client';
import type { DeviceType } from '../../src/protocol';

export type { Credential } from '@capture-backend/client';

export type MintToken = (deviceId: string, deviceType: DeviceType) => Promise<string>;

/**
 * Mints device tokens with the admin key. The server limits failed token
 * requests per address; if the limit is hit anyway (refused as `rate_limited`),
 * this waits for the window the 429's Retry-After names instead of failing.
 */
export function adminTokenMinter(baseUrl: string, apiKey: string, onWait?: (seconds: number) => void, signal?: AbortSignal): MintToken {
  const http = new CaptureHttp({ baseUrl, credential: { apiKey } });
  return async (deviceId, deviceType) => {
    for (;;) {
      try {
        return (await http.deviceToken(deviceId, deviceType)).token;
      } catch (err) {
        if (!(err instanceof HttpCallError) || err.code !== 'rate_limited' || signal?.aborted) throw err;
        const seconds = err.retryAfterSeconds ?? 10;
        onWait?.(seconds);
        await new Promise<void>((resolve) => {
          if (signal?.aborted) return resolve();
          const timer = setTimeout(resolve, seconds * 1000);
          signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (signal?.aborted) throw new Error('stopped while waiting for the token rate limit');
      }
    }
  };
}
