import type { DeviceType, ErrorCode } from '../protocol';
import type { ErrorBody } from '../http/errors';
import type { TokenAnswer } from '../provisioning';
import type { DevicesAnswer, SummaryAnswer } from '../fleet';
import type { SessionAnswer, SessionListAnswer, SessionListQuery } from '../sessions';
import type {
  AbortAnswer,
  CompleteAnswer,
  CompleteRequest,
  PartsAnswer,
  SignPartsAnswer,
  SignPartsRequest,
  StartAnswer,
  UploadRef,
} from '../uploads';

/**
 * The REST half of the typed client: fetch with the answer types of the
 * server's own schemas. Type-only imports: nothing of the server runs here.
 */

/**
 * A refused or failed call: the status, the refusal's `code` (branch on it: the
 * codes are stable, the text is not), the server's error text, and its
 * Retry-After in seconds when it gave one. `code` is undefined when the answer
 * was not the server's JSON refusal (a proxy's error page, S3's XML).
 */
export class HttpCallError extends Error {
  readonly code?: ErrorCode;

  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'HttpCallError';
    this.code = refusalCodeOf(body);
  }
}

/** The code of a refusal body `{ ok: false, code, error }`, if it is one. */
export function refusalCodeOf(body: unknown): ErrorCode | undefined {
  const code = (body as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}

/** The admin key (operators, scripts) or a device token (headsets, tablets, dashboards). */
export type Credential = { apiKey: string } | { token: string };

export function authHeaders(credential: Credential | undefined): Record<string, string> {
  if (!credential) return {};
  return 'apiKey' in credential ? { 'x-api-key': credential.apiKey } : { authorization: `Bearer ${credential.token}` };
}

export interface HttpOptions {
  /** The server, e.g. https://capture.example.org. */
  baseUrl: string;
  credential?: Credential;
  /** Per call; 30 s unless given. */
  timeoutMs?: number;
  /** Another fetch (a test's, or one with a proxy); the global one unless given. */
  fetch?: typeof fetch;
}

/** What a call answered, whatever its status; `body` is the parsed JSON (or `{ error: text }` when it was not JSON). */
export interface RawAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class CaptureHttp {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;

  constructor(readonly options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
  }

  /** The same server with another credential. */
  as(credential: Credential): CaptureHttp {
    return new CaptureHttp({ ...this.options, credential });
  }

  /**
   * One call, answered whatever its status. A string body is sent as it is (for
   * testing a server with malformed JSON); anything else as JSON.
   */
  async send<T = unknown>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawAnswer<T>> {
    const res = await this.fetch(`${this.baseUrl}${route}`, {
      method,
      headers: {
        ...authHeaders(this.options.credential),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { error: text.slice(0, 200) };
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** One call whose success is a 2xx JSON answer of type T; anything else throws HttpCallError with the refusal's code and text. */
  async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const answer = await this.send<T | ErrorBody>(method, route, body);
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    const retry = Number(answer.headers.get('retry-after'));
    const error = (answer.body as Partial<ErrorBody>).error;
    throw new HttpCallError(
      answer.status,
      `${method} ${route}: ${answer.status} ${typeof error === 'string' ? error : ''}`.trim(),
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
      answer.body,
    );
  }

  /** POST /auth/device-token (admin key). */
  deviceToken(deviceId: string, deviceType: DeviceType): Promise<TokenAnswer> {
    return this.call('POST', '/auth/device-token', { deviceId, deviceType });
  }

  devices(): Promise<DevicesAnswer> {
    return this.call('GET', '/api/devices');
  }

  fleetSummary(): Promise<SummaryAnswer> {
    return this.call('GET', '/api/fleet/summary');
  }

  sessions(query: Partial<Record<keyof SessionListQuery, string | number>> = {}): Promise<SessionListAnswer> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.call('GET', `/api/sessions${search ? `?${search}` : ''}`);
  }

  session(sessionId: string): Promise<SessionAnswer> {
    return this.call('GET', `/api/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** The chunked-upload endpoints, one call each; uploadFile (./upload) runs the whole flow. */
  readonly uploads = {
    start: (req: { timestamp: string; fileType: 'video' | 'data'; fileSize: number; fileName?: string; sessionId?: string }) =>
      this.call<StartAnswer>('POST', '/chunked-upload/start', req),
    signParts: (req: SignPartsRequest) => this.call<SignPartsAnswer>('POST', '/chunked-upload/sign-parts', req),
    parts: (ref: UploadRef) =>
      this.call<PartsAnswer>(
        'GET',
        `/chunked-upload/parts?${new URLSearchParams({ uploadId: ref.uploadId, s3Key: ref.s3Key }).toString()}`,
      ),
    complete: (req: CompleteRequest) => this.call<CompleteAnswer>('POST', '/chunked-upload/complete', req),
    abort: (ref: UploadRef) => this.call<AbortAnswer>('POST', '/chunked-upload/abort', { uploadId: ref.uploadId, s3Key: ref.s3Key }),
  };
}
