import { z } from 'zod';

/** The latest time a Date holds (epoch ms). */
const MAX_DATE_MS = 8.64e15;

/**
 * A time in a query string (`from`, `to`, ...): ISO 8601 with a zone
 * (`2026-02-06T14:30:52Z`, `...+01:00`) or epoch milliseconds, read as a Date.
 * The one definition every route's time filter uses.
 */
export const isoDate = z.union(
  [
    z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
    z
      .string()
      .regex(/^\d{1,16}$/)
      .transform(Number)
      .pipe(z.number().max(MAX_DATE_MS))
      .transform((ms) => new Date(ms)),
  ],
  { error: 'expected an ISO 8601 time or epoch milliseconds' },
);
