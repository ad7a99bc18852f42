import type { z } from 'zod';
import { HttpError } from './errors';

/** Parses untrusted input or throws a 400 naming every problem (field: message). */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.join('.');
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw new HttpError(400, `invalid ${what}: ${problems.join('; ')}`);
}
