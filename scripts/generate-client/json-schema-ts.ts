/**
 * JSON Schema (draft-07 as in the AsyncAPI document, 2020-12 as in the OpenAPI one) to a
 * TypeScript type, for the client package's generated types. Only what the server's
 * documents use: objects, arrays and tuples, unions, intersections, literals, enums and
 * `#/components/schemas/` references (named types of the same file). Constraints a type
 * cannot say (patterns, bounds) are left out; descriptions become comments.
 */

type Schema = Record<string, unknown> | boolean;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export const propertyKey = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

const comment = (text: unknown, indent: string) =>
  typeof text === 'string' && text ? `${indent}/** ${text.replaceAll('*/', '* /').replaceAll('\n', ' ')} */\n` : '';

export interface TypeOptions {
  /** Draft-07 tuples: a client sends the arguments listed, so an open rest (additionalItems) is left out. */
  closedTuples?: boolean;
  /** Enums written by a name instead of their values (every error code is `ErrorCode`). */
  namedEnums?: ReadonlyMap<string, string>;
}

/** The key of an enum in TypeOptions.namedEnums: its values, sorted. */
export const enumKey = (values: readonly unknown[]) => JSON.stringify([...values].map(String).sort());

export function schemaType(schema: Schema | undefined, options: TypeOptions = {}, indent = ''): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  const s = schema;
  if (typeof s.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(s.$ref)?.[1];
    if (!name) throw new Error(`unsupported $ref ${s.$ref}`);
    return name;
  }
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum) && options.namedEnums?.has(enumKey(s.enum))) return options.namedEnums.get(enumKey(s.enum))!;
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never';
  const parts = (list: unknown) => (list as Schema[]).map((p) => schemaType(p, options, indent));
  if (Array.isArray(s.allOf)) return parts(s.allOf).map(wrap).join(' & ');
  const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(union)) return dedupe(parts(union).map(wrap)).join(' | ');
  if (Array.isArray(s.type)) return (s.type as string[]).map((t) => schemaType({ ...s, type: t }, options, indent)).join(' | ');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(s, options, indent);
    case 'object':
      return objectType(s, options, indent);
    default:
      return s.properties ? objectType(s, options, indent) : 'unknown';
  }
}

/** A union or intersection member that needs parentheses. */
const wrap = (t: string) => (/^[\w"'.[\]<>, -]+$/.test(t) && !t.includes(' | ') ? t : t.startsWith('{') ? t : `(${t})`);
const dedupe = (list: string[]) => [...new Set(list)];

function arrayType(s: Record<string, unknown>, options: TypeOptions, indent: string): string {
  const tuple = (Array.isArray(s.items) ? s.items : s.prefixItems) as Schema[] | undefined;
  if (!tuple) return `${wrapArray(schemaType(s.items as Schema | undefined, options, indent))}[]`;
  const min = typeof s.minItems === 'number' ? s.minItems : tuple.length;
  const elements = tuple.map((item, i) => `${schemaType(item, options, indent)}${i >= min ? '?' : ''}`);
  const rest = (Array.isArray(s.items) ? s.additionalItems : s.items) as Schema | undefined;
  if (!options.closedTuples && rest !== undefined && rest !== false) elements.push(`...${wrapArray(schemaType(rest, options, indent))}[]`);
  return `[${elements.join(', ')}]`;
}

const wrapArray = (t: string) => (/^[\w.]+$/.test(t) ? t : `(${t})`);

function objectType(s: Record<string, unknown>, options: TypeOptions, indent: string): string {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const inner = `${indent}  `;
  const lines = Object.entries(props).map(([name, prop]) => {
    const text = typeof prop === 'object' ? prop.description : undefined;
    return `${comment(text, inner)}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${schemaType(prop, options, inner)};`;
  });
  const extra = s.additionalProperties as Schema | undefined;
  if (extra !== undefined && extra !== false)
    lines.push(`${inner}[key: string]: ${extra === true ? 'unknown' : schemaType(extra, options, inner)};`);
  else if (extra === undefined && Object.keys(props).length === 0) lines.push(`${inner}[key: string]: unknown;`);
  return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : '{}';
}
