/** Encoding between records and Redis hash fields: strings only, dates as ISO 8601. */

export type Fields = Record<string, string>;

export const encodeBool = (v: boolean): string => (v ? '1' : '0');
export const decodeBool = (v: string | undefined): boolean => v === '1';

export const encodeDate = (d: Date): string => d.toISOString();
export function decodeDate(v: string | undefined): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Parses JSON written by this store; a corrupt value reads as undefined, never throws. */
export function decodeJson<T>(v: string | undefined): T | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

/** Flattens fields into HSET arguments, leaving out undefined values. */
export function hsetArgs(fields: Record<string, string | undefined>): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) args.push(k, v);
  return args;
}

/** ioredis answers an empty object for a missing hash. */
export const isEmpty = (fields: Fields): boolean => Object.keys(fields).length === 0;

/** A flat [field, value, ...] reply (HGETALL inside a script) as fields. */
export function pairsToFields(pairs: string[]): Fields {
  const fields: Fields = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[pairs[i]!] = pairs[i + 1]!;
  return fields;
}
