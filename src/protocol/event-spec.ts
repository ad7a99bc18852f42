import { z } from 'zod';
import { ERROR_CODE_NAMES } from '../domain/errors';
import type { DeviceType } from '../domain/ids';

/**
 * How an event of the protocol is specified. A client event's spec gives who
 * may send it, a schema of its arguments and a schema of its success answer;
 * the TypeScript event maps and the handlers' types are derived from the
 * specs, so a handler of event E receives Payload<E> and answers Ack<E>.
 */
export interface ClientEventSpec {
  /** Client kinds (from the token) allowed to send the event. */
  readonly roles: readonly DeviceType[];
  /** The argument list (without the ack). Input: what a client sends; output: what the handler receives. */
  readonly args: z.ZodType<unknown, readonly unknown[]>;
  /** The answer on success; every refusal answers `{ ok: false, code, error }` (refusalSchema). */
  readonly ack: z.ZodType<{ ok: true }>;
  /**
   * The live-frame hot path: checked by its own handler, not rate limited, not
   * queued behind the socket's control events. Every other event is a control event.
   */
  readonly hot?: true;
}

/** A server event's spec: the schema of its argument list, and of the client's answer when the server asks for one. */
export interface ServerEventSpec {
  readonly args: z.ZodType<readonly unknown[]>;
  readonly description: string;
  /** The client answers with an acknowledgement of this shape (the server waits for it, with a timeout). */
  readonly answer?: z.ZodType;
}

/**
 * Arguments that are a single payload. Old clients' extra trailing arguments
 * are ignored at run time; the wire type names the one payload.
 */
export const one = <S extends z.ZodType>(schema: S) =>
  z
    .tuple([schema])
    .rest(z.unknown())
    .transform((args) => args[0] as z.output<S>) as unknown as z.ZodType<z.output<S>, [payload: z.input<S>]>;

/** An event without a payload. */
export const none = z.array(z.unknown()).transform((): undefined => undefined) as unknown as z.ZodType<undefined, []>;

/** A success answer with the given fields. */
export const answer = <Shape extends z.ZodRawShape>(shape: Shape) => z.object({ ok: z.literal(true), ...shape });

/** The plain success answer. */
export const okAnswer = answer({});

/** A code of the one table (src/domain/errors.ts): what a client branches on. */
export const errorCodeSchema = z.enum(ERROR_CODE_NAMES).describe('What the refusal is, from the one table of error codes; branch on this.');

/** Every refusal, whatever the event: the code to branch on, and a sentence for people. */
export const refusalSchema = z.object({
  ok: z.literal(false),
  code: errorCodeSchema,
  error: z.string().describe('Why, for people; safe to show, may be reworded. Never branch on it.'),
});
export type Refusal = z.infer<typeof refusalSchema>;

/** A server event the client acknowledges: its payload, and the answer the server reads (validated before use). */
export const asks = <P extends z.ZodType, A extends z.ZodType>(description: string, payload: P, answerSchema: A) => ({
  description,
  args: z.tuple([payload]) as unknown as z.ZodType<[z.output<P>]>,
  answer: answerSchema,
});

/** A server event whose one payload may be left out (older clients get the event without it). */
export const emitsMaybe = <S extends z.ZodType>(description: string, payload: S) => ({
  description,
  args: z.tuple([payload.optional()]) as unknown as z.ZodType<[payload?: z.output<S>]>,
});

/** A server event's argument list, for a payload-less event or positional arguments. */
export const emits = <T extends readonly z.ZodType[]>(description: string, ...items: T) => ({
  description,
  args: z.tuple(items as unknown as [z.ZodType, ...z.ZodType[]]) as unknown as z.ZodType<{
    -readonly [K in keyof T]: z.output<T[K]>;
  }>,
});
