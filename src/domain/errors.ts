/**
 * The one way the server refuses. Every refusal is a DomainError with a code
 * from ERROR_CODES; the transports map it in one place each: to the code's HTTP
 * status and the body `{ ok: false, code, error, details? }` (http/errors.ts), to
 * the ack `{ ok: false, code, error }` and `on-event-rejected { event, reason, code }`
 * (realtime/event-router.ts), to `connect_error`'s `data: { code }`
 * (realtime/socket-auth.ts), and to a metric label (the code itself). Clients
 * branch on the code, which is stable; the message is written for people and is
 * always safe to show, but may be reworded.
 */
export const ERROR_CODES = {
  // Input
  invalid: { status: 400, meaning: 'the payload, body or query failed validation' },
  invalid_cursor: { status: 400, meaning: 'a paging cursor that this API did not give out, or that belongs to another list' },
  invalid_start_time: { status: 400, meaning: 'a synchronized start (startAt) too soon or too far ahead of the server clock' },
  invalid_parts: { status: 400, meaning: 'an upload complete named parts that do not match what was stored' },
  etag_mismatch: { status: 400, meaning: 'a part ETag differs from the stored part' },
  size_mismatch: { status: 400, meaning: 'the uploaded bytes do not add up to the declared size' },
  interrupted: { status: 400, meaning: 'a body ended before its declared length' },
  empty_selection: { status: 400, meaning: 'a dataset request whose filter selects no take the dataset can be built from' },
  unsupported_type: { status: 415, meaning: "the body's content type, charset or encoding is not one the route reads" },
  // Identity and permission
  unauthenticated: { status: 401, meaning: 'no credential, or one that was refused' },
  token_expired: { status: 401, meaning: "the connection's token has expired; reconnect with a fresh one" },
  role: { status: 403, meaning: "the credential's role may not do this" },
  forbidden: { status: 403, meaning: 'this caller may not act on that resource' },
  not_identified: { status: 403, meaning: 'a headset must send headset-identify first' },
  spoofed_identity: { status: 403, meaning: 'a client named a device other than its own' },
  not_holder: { status: 403, meaning: "the tablet does not hold the device's lock" },
  expired_url: { status: 403, meaning: 'a signed part URL has expired' },
  bad_signature: { status: 403, meaning: 'a signed part URL was altered' },
  // Existence and state
  not_found: { status: 404, meaning: 'no such resource (REST: no such route either)' },
  // Its own code, not not_found: the client learns the server does not speak that event (an older server), not that a device or session is missing.
  unknown_event: { status: 404, meaning: 'the server has no such Socket.IO event' },
  unknown_device: { status: 404, meaning: 'the server has no record of the device' },
  conflict: { status: 409, meaning: 'the resource is not in a state that allows this' },
  device_offline: { status: 409, meaning: 'the device is not connected' },
  lock_held: { status: 409, meaning: 'another tablet holds the device' },
  key_conflict: { status: 409, meaning: 'another recording already owns that object key' },
  command_id_reused: {
    status: 409,
    meaning: 'a commandId already names another command (another action, device or issuer); a retry must repeat the first exactly',
  },
  // Time, size and rate
  request_timeout: { status: 408, meaning: 'a request body arrived too slowly; the connection is closed' },
  too_large: { status: 413, meaning: 'the body is over its limit' },
  oversize: { status: 413, meaning: 'a live frame is over the frame size limit' },
  part_too_large: { status: 413, meaning: "an upload part is larger than the upload's part size" },
  rate_limited: { status: 429, meaning: 'too many requests or events' },
  quota_exceeded: { status: 429, meaning: 'the caller already holds as many of these as it may' },
  watch_limit: { status: 429, meaning: 'a connection already views as many devices as it may' },
  // Its own code, not rate_limited: a dropped live frame is flow control, so a headset sends its next frame and never resends or backs off.
  frame_dropped: { status: 429, meaning: 'a live frame came sooner than the frame throttle allows and was not relayed; send the next one' },
  // Dependencies
  store_unavailable: { status: 503, meaning: 'the state store (Redis) cannot be reached' },
  storage_unavailable: { status: 503, meaning: 'object storage cannot be reached, or failed to write (EIO)' },
  storage_full: { status: 507, meaning: 'storage has no space left (ENOSPC)' },
  // Everything else
  internal: { status: 500, meaning: 'a bug; the details are in the log only' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every code, in the table's order (the enum of the API documents' refusal schemas). */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The table as Markdown (code, HTTP status, meaning): in the OpenAPI and AsyncAPI documents and docs/API.md. */
export function errorCodeTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`);
  return ['| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export const STORE_UNAVAILABLE_MESSAGE = 'state store is unavailable; try again shortly';

export class DomainError extends Error {
  readonly details: unknown;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
    this.details = options?.details;
  }
}

/** The state store could not be reached; raised by the store at its boundary. */
export class StoreUnavailableError extends DomainError {
  constructor(cause: unknown) {
    super('store_unavailable', STORE_UNAVAILABLE_MESSAGE, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
