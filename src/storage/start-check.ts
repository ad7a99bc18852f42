import type { Logger } from 'pino';
import type { ObjectStorage } from './types';

const CHECK_TIMEOUT_MS = 5_000;

/**
 * What to change when storage cannot be used, by kind: said once at start, and
 * in /health without the location (there, an absolute DATA_DIR is nobody's business).
 */
export function storageFix(storage: ObjectStorage, { withLocation = true } = {}): string {
  const where = withLocation ? ` (${storage.location})` : '';
  return storage.kind === 'local'
    ? `recordings cannot be stored until DATA_DIR${where} is a writable directory: point DATA_DIR elsewhere or fix its owner and permissions`
    : `recordings cannot be stored until the bucket${where} is reachable: check S3_BUCKET_NAME, AWS_REGION, the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance role) and S3_ENDPOINT`;
}

/**
 * Tries the storage once at start. A failure does not stop the server (state,
 * sockets and frames work without it, and storage may come back); it is logged
 * as a warning that says what to fix, and /health reports it as degraded.
 */
export async function checkStorageAtStart(storage: ObjectStorage, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([storage.ping(), timeout]);
    return true;
  } catch (err) {
    logger.warn({ storage: storage.kind, location: storage.location, err: (err as Error).message }, storageFix(storage));
    return false;
  } finally {
    clearTimeout(timer);
  }
}
