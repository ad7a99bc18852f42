/**
 * One webhook request that ends by its deadline whatever happens to it. The
 * deadline is a timer this attempt owns, aborting an AbortController it owns:
 * the timer is referenced by the event loop until it fires or is cleared, so
 * garbage collection cannot take it. (AbortSignal.timeout() inside
 * AbortSignal.any() was seen never firing once collected, under `node
 * --expose-gc` pressure: attempts to a receiver that never answered ran for
 * minutes, holding every request slot.) The request also races the abort, so
 * the attempt settles at the deadline even if the HTTP client were slow to
 * honour it.
 */

export interface PostOutcome {
  status?: number;
  /** Why the attempt failed, in words that name nothing of the receiver's URL. */
  error?: string;
}

export interface DeadlinePost {
  /** Aborts the request now (shutdown); it settles as failed, with `reason` as its error. */
  abort(reason: string): void;
  readonly done: Promise<PostOutcome>;
}

class Deadline extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function postWithDeadline(url: string, init: { body: string; headers: Record<string, string> }, timeoutMs: number): DeadlinePost {
  const controller = new AbortController();
  const abort = (reason: string) => controller.abort(new Deadline(reason));
  const timer = setTimeout(() => abort(`timeout after ${timeoutMs} ms`), timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
  });
  const request = (async (): Promise<PostOutcome> => {
    const res = await fetch(url, { method: 'POST', ...init, signal: controller.signal, redirect: 'manual' });
    // The answer's body is not read, so a receiver cannot make this process hold one.
    await res.body?.cancel().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? { status: res.status } : { status: res.status, error: `HTTP ${res.status}` };
  })();
  // Whichever loses the race must not become an unhandled rejection.
  request.catch(() => undefined);
  aborted.catch(() => undefined);
  const done = Promise.race([request, aborted])
    .catch((err: unknown): PostOutcome => ({ error: describeFailure(err) }))
    .finally(() => clearTimeout(timer));
  return { abort, done };
}

/**
 * A failed request in words for the delivery log: the deadline's reason, or the
 * network error's code (ECONNREFUSED, UND_ERR_SOCKET, CERT_HAS_EXPIRED...).
 * Never the error's message: fetch's messages can quote the URL.
 */
function describeFailure(err: unknown): string {
  if (err instanceof Deadline) return err.reason;
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  for (const code of [e.cause?.code, e.code]) if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? `request failed (${e.name})` : 'request failed';
}
