import type { z } from 'zod';
import type { ErrorCode } from '../domain/errors';
import type { DeviceType } from '../domain/ids';

/**
 * How a REST route is documented: a few declarative lines next to the route,
 * naming the SAME zod schemas the route validates with (and answers with), from
 * which src/http/openapi.ts generates the OpenAPI document. A feature's routes
 * module exports its list and its feature returns it (Feature.routeDocs). A test walks
 * the Express app and fails on any registered route without an entry here.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As registered with Express: `/api/sessions/:sessionId`. */
  path: string;
  /** The section of the reference the route is listed under (its feature). */
  tag: string;
  summary: string;
  description?: string;
  /**
   * Who may call: nobody in particular ('open'); the admin key alone ('admin');
   * the admin key or a device token of one of the listed types; the METRICS_TOKEN
   * ('metrics'); or the HMAC signature in the URL itself ('signed-url').
   */
  auth: 'open' | 'admin' | readonly DeviceType[] | 'metrics' | 'signed-url';
  /** Path parameters, one schema per `:name`. */
  params?: Record<string, z.ZodType>;
  /** The query string, as an object schema. */
  query?: z.ZodType;
  /** The request body: JSON, a multipart form (fields and files), or raw bytes. */
  body?: { json: z.ZodType } | { multipart: z.ZodType; files: Record<string, string> } | { bytes: string };
  /** The success answer (200): a JSON schema, or another content type described in words. */
  answer: z.ZodType | { contentType: string; description: string };
  /** Other non-error answers by status, e.g. /health's 503 with the same body. */
  otherAnswers?: Record<number, { description: string; schema?: z.ZodType }>;
  /** Headers of the success answer, e.g. a part's ETag. */
  answerHeaders?: Record<string, string>;
  /**
   * Refusals particular to this route (an unavailable store, a missing record...).
   * Those every route of its kind can give (invalid input when it takes some, a JSON
   * body over its limit, in an unreadable encoding or too slow, the credential's
   * refusals, an internal error) are added by the generator.
   */
  errors?: readonly ErrorCode[];
}

/** The error codes of what a route's auth can refuse. */
export function authErrors(auth: RouteDoc['auth']): ErrorCode[] {
  if (auth === 'open') return [];
  // Only when METRICS_TOKEN is set and the bearer token is not it; wrong ones count against a limiter (429).
  if (auth === 'metrics') return ['unauthenticated', 'rate_limited'];
  if (auth === 'signed-url') return ['expired_url', 'bad_signature'];
  // A wrong admin key counts against the shared limiter (429); a valid token of another role is a 403.
  return ['unauthenticated', 'role', 'rate_limited'];
}
