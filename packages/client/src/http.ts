import { routes, type Routes } from './generated/rest';
import { resources, type Resources } from './lists';
import type { DeviceType, ErrorCode } from './protocol';

/**
 * The REST half of the typed client: fetch with the types of every route, generated
 * (./generated/rest.ts) from the server's /api/openapi.json, which is built from the zod
 * schemas the routes validate and answer with. Nothing of the server is imported.
 */

/** Every route by its operationId in /api/openapi.json (getApiSessions, postChunkedUploadStart, ...). */
export type RouteName = keyof Routes;
/** The success answer of route K. */
export type RouteAnswer<K extends RouteName> = Routes[K]['answer'];
/** The refusal codes route K can answer with. */
export type RouteErrorCode<K extends RouteName> = Routes[K]['errors'];
type Part<N extends string, T> = [T] extends [never] ? unknown : object extends T ? { [P in N]?: T } : { [P in N]: T };
/** What a call of route K takes: its path parameters, query and body, each required when the route requires it. */
export type RouteRequest<K extends RouteName> = Part<'params', Routes[K]['params']> &
  Part<'query', Routes[K]['query']> &
  Part<'body', Routes[K]['body']>;
/** A method per route: `http.api.getApiSessionsSessionId({ params: { sessionId } })`. */
export type RouteMethods = {
  [K in RouteName]: object extends RouteRequest<K>
    ? (request?: RouteRequest<K>) => Promise<RouteAnswer<K>>
    : (request: RouteRequest<K>) => Promise<RouteAnswer<K>>;
};

export type TokenAnswer = RouteAnswer<'postAuthDeviceToken'>;
export type DevicesAnswer = RouteAnswer<'getApiDevices'>;
export type SummaryAnswer = RouteAnswer<'getApiFleetSummary'>;
export type SessionListQuery = Routes['getApiSessions']['query'];
export type SessionListAnswer = RouteAnswer<'getApiSessions'>;
export type SessionAnswer = RouteAnswer<'getApiSessionsSessionId'>;
export type StartRequest = Routes['postChunkedUploadStart']['body'];
export type StartAnswer = RouteAnswer<'postChunkedUploadStart'>;
export type SignPartsRequest = Routes['postChunkedUploadSignParts']['body'];
export type SignPartsAnswer = RouteAnswer<'postChunkedUploadSignParts'>;
export type PartsAnswer = RouteAnswer<'getChunkedUploadParts'>;
export type CompleteRequest = Routes['postChunkedUploadComplete']['body'];
export type CompleteAnswer = RouteAnswer<'postChunkedUploadComplete'>;
export type AbortAnswer = RouteAnswer<'postChunkedUploadAbort'>;
/** An upload's IDs, as the start answer gives them. */
export interface UploadRef {
  uploadId: string;
  s3Key: string;
}
/** A refusal's body: `{ ok: false, code, error, details? }`. */
export type ErrorBody = { ok?: false; code?: ErrorCode; error: string; details?: unknown };

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
  /** Every route of the server, typed: a method per operationId of /api/openapi.json. */
  readonly api: RouteMethods;
  /** Recordings: `for await (const rec of http.recordings.list({ state: 'verified' }))`, get, update. */
  readonly recordings: Resources['recordings'];
  /** Sessions: `http.sessions.list({ status: 'completed' })` (paged), `http.sessions.get(sessionId)`. */
  readonly sessions: Resources['sessions'];
  readonly alarms: Resources['alarms'];
  /** The command ledger, paged. */
  readonly commands: Resources['commands'];
  readonly datasets: Resources['datasets'];

  constructor(readonly options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    const api: Record<string, (request?: object) => Promise<unknown>> = {};
    for (const name of Object.keys(routes) as RouteName[]) api[name] = (request = {}) => this.request(name, request);
    this.api = api as unknown as RouteMethods;
    const typed = resources(this.api);
    this.recordings = typed.recordings;
    this.sessions = typed.sessions;
    this.alarms = typed.alarms;
    this.commands = typed.commands;
    this.datasets = typed.datasets;
  }

  /** Calls route K: its path parameters filled in, its query as a query string, its body as JSON, bytes or a form. */
  async request<K extends RouteName>(name: K, request: RouteRequest<K>): Promise<RouteAnswer<K>> {
    const route = routes[name];
    const { params = {}, query = {}, body } = request as { params?: object; query?: object; body?: unknown };
    const path = route.path.replace(/\{(\w+)\}/g, (_m, key: string) =>
      encodeURIComponent(String((params as Record<string, unknown>)[key])),
    );
    const search = queryString(query as Record<string, unknown>);
    const target = `${path}${search ? `?${search}` : ''}`;
    if (route.body === 'json' || route.body === 'none') {
      if (route.answer === 'json') return this.call(route.method, target, body);
      return (await this.callRaw(route.method, target, body)) as RouteAnswer<K>;
    }
    return (await this.callRaw(route.method, target, body, route.answer === 'json')) as RouteAnswer<K>;
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
    throw refused(method, route, answer);
  }

  /** A call whose body is bytes or a form (sent as they are) or whose answer is text (a CSV, the metrics). */
  private async callRaw(method: string, route: string, body: unknown, json = false): Promise<unknown> {
    const raw = body === undefined || typeof body === 'string' || body instanceof FormData || body instanceof Blob;
    const res = await this.fetch(`${this.baseUrl}${route}`, {
      method,
      headers: { ...authHeaders(this.options.credential), ...(raw ? {} : { 'content-type': 'application/octet-stream' }) },
      body: body as RequestInit['body'],
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (res.ok) return json ? (JSON.parse(text) as unknown) : text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error: text.slice(0, 200) };
    }
    throw refused(method, route, { status: res.status, headers: res.headers, body: parsed });
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

  /** The chunked-upload endpoints, one call each; uploadFile (./upload) runs the whole flow. */
  readonly uploads = {
    start: (req: StartRequest) => this.call<StartAnswer>('POST', '/chunked-upload/start', req),
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

/** The HttpCallError of a refused answer: its status, the refusal's code and text, and Retry-After. */
function refused(method: string, route: string, answer: RawAnswer): HttpCallError {
  const retry = Number(answer.headers.get('retry-after'));
  const error = (answer.body as Partial<ErrorBody> | null)?.error;
  return new HttpCallError(
    answer.status,
    `${method} ${route}: ${answer.status} ${typeof error === 'string' ? error : ''}`.trim(),
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
    answer.body,
  );
}

/** A query object as a query string: undefined left out, arrays repeated, the rest as text. */
export function queryString(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(key, String(one));
  }
  return search.toString();
}
