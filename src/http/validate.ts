import type { z } from 'zod';
import { describeZodError } from '../validation';
import { DomainError } from '../domain/errors';

/** Parses untrusted input or throws a 400 naming the problems (field: message). */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DomainError('invalid', `invalid ${what}: ${describeZodError(result.error)}`);
}
