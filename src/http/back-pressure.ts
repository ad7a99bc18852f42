import type { Writable } from 'node:stream';

/**
 * Resolves when a response that refused a write can take more, or when it
 * closed (the client went away): waiting for 'drain' alone would wait forever
 * on a closed socket, holding the handler and its store cursor.
 */
export function drainedOrClosed(res: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
