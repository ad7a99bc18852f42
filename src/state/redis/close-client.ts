import type Redis from 'ioredis';
import { markClosing } from './connection';

/**
 * Closes a client politely (QUIT, letting queued commands finish) but never
 * waits longer than `timeoutMs`: with Redis away, QUIT would wait for a
 * reconnection, and shutdown must stay bounded.
 */
export async function closeClient(client: Redis, timeoutMs = 1_000): Promise<void> {
  markClosing(client);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([client.quit().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
