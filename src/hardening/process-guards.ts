import type { Logger } from 'pino';

/**
 * Process-wide last resorts, installed once by the entry point.
 *
 * A rejected promise nobody awaited is a bug, but a contained one: the work
 * that failed is over and nothing is half-done, so it is logged and the
 * process keeps serving. An uncaught exception unwound a stack midway through
 * something, so state in memory may be inconsistent: log it, flush, and exit
 * non-zero so PM2 (or systemd) starts a clean process. State in Redis and the
 * uploaded parts survive the restart.
 */
export function installProcessGuards(proc: NodeJS.Process, logger: Logger): void {
  proc.on('unhandledRejection', (reason) => {
    // The error's stack is the context: it names where the promise was made.
    logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
  proc.on('uncaughtException', (err, origin) => {
    logger.fatal({ err, origin }, 'uncaught exception; exiting so the process manager restarts a clean process');
    logger.flush(() => proc.exit(1));
    // If flushing hangs, exit anyway.
    setTimeout(() => proc.exit(1), 1_000).unref();
  });
}
