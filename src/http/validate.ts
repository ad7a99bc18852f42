import type { z } from 'zod';
import { HttpError } from './errors';

/** Parses untrusted input or throws a 400 naming the first problem. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.');
  throw new HttpError(400, `invalid ${what}: ${field ? `${field}: ` : ''}${issue?.message ?? 'malformed'}`);
}
