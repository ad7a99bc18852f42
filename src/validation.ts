import type { z } from 'zod';

/** Longest piece of client-chosen text (a field path) echoed in an error. */
const MAX_FIELD = 60;
/** Longest error description, so a refusal can never carry a huge payload into a log or an answer. */
const MAX_DESCRIPTION = 300;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A zod error as one short sentence for clients and logs: up to five issues as
 * "field: message". Field paths and some messages (unrecognized keys) are the
 * client's own text, so each part and the whole are clipped.
 *
 * `skipPathElements` drops leading path elements that are ours, not the client's
 * (the argument index of a socket event).
 */
export function describeZodError(error: z.ZodError, skipPathElements = 0): string {
  const problems = error.issues.slice(0, 5).map((issue) => {
    const field = clip(issue.path.slice(skipPathElements).join('.'), MAX_FIELD);
    const message = clip(issue.message, MAX_FIELD * 2);
    return field ? `${field}: ${message}` : message;
  });
  return clip(problems.join('; ') || 'malformed', MAX_DESCRIPTION);
}
