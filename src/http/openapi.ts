import { z } from 'zod';
import { ERROR_CODES, errorCodeTable, type ErrorCode } from '../domain/errors';
import { errorBodySchema } from './errors';
import { TAG_DESCRIPTIONS } from './openapi-tags';
import { carriesRecordingBytes } from './request-timeouts';
import { authErrors, type RouteDoc } from './route-doc';

/**
 * The OpenAPI 3.1 document of the REST API, generated from the routes'
 * RouteDocs, which name the zod schemas the routes validate and answer with:
 * no schema is written twice. Served at /api/openapi.json and rendered at /api/docs.
 */

type JsonSchema = Record<string, unknown>;

/** A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): what a client sends (input) or receives (output). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  // Transforms and custom checks have no JSON form: they are shown as their input, or as any value.
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema;
  const defs = generated.$defs as Record<string, JsonSchema> | undefined;
  if (!defs) return generated;
  // A recursive schema refers to its $defs, which an inline schema cannot resolve in OpenAPI: hoist them to components.
  delete generated.$defs;
  const rewrite = (s: unknown) => JSON.parse(JSON.stringify(s).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
  for (const [name, def] of Object.entries(defs)) components[name] = rewrite(def);
  return rewrite(generated);
}

/** Express `/a/:b` to OpenAPI `/a/{b}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** `get /api/sessions/:sessionId` to `getApiSessionsSessionId`. */
function operationId(doc: RouteDoc): string {
  const words = doc.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return doc.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function security(auth: RouteDoc['auth']): Array<Record<string, string[]>> {
  if (auth === 'open' || auth === 'signed-url') return [];
  if (auth === 'admin') return [{ adminKey: [] }];
  // When METRICS_TOKEN is unset, /metrics is open: say both.
  if (auth === 'metrics') return [{ metricsToken: [] }, {}];
  return [{ adminKey: [] }, { bearerToken: [] }];
}

function whoMay(auth: RouteDoc['auth']): string {
  if (auth === 'open') return 'Open: no credential.';
  if (auth === 'admin') return 'Admin key (x-api-key) only.';
  if (auth === 'metrics') return 'The METRICS_TOKEN as a bearer token when one is configured; open otherwise.';
  if (auth === 'signed-url') return 'The URL is the credential: an HMAC signature over upload, key, part and expiry, issued by the server.';
  return `The admin key (x-api-key), or a device token (Authorization: Bearer) of a ${auth.join(' or ')}.`;
}

/** The refusals of a route: its own, its credential's, invalid input when it takes some, and the internal error. */
function errorCodes(doc: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>([...authErrors(doc.auth), ...(doc.errors ?? [])]);
  if (doc.params || doc.query || doc.body) codes.add('invalid');
  // The JSON parser's refusals (over its limit; a charset or encoding it cannot read).
  if (doc.body && 'json' in doc.body) for (const code of ['too_large', 'unsupported_type'] as const) codes.add(code);
  // Every request but those carrying recording bytes must deliver its body (if any) within the control-request timeout.
  if (!carriesRecordingBytes(doc.method.toUpperCase(), doc.path)) codes.add('request_timeout');
  codes.add('internal');
  return [...codes];
}

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].meaning}`).join('; '),
      // The ErrorAnswer, its code narrowed to those this route gives at this status.
      content: {
        'application/json': {
          schema: { allOf: [{ $ref: '#/components/schemas/ErrorAnswer' }, { properties: { code: { enum: list } } }] },
        },
      },
      'x-error-codes': list,
    };
  }
  return responses;
}

function parameters(doc: RouteDoc, components: Record<string, JsonSchema>): unknown[] {
  const list: unknown[] = [];
  for (const [name, schema] of Object.entries(doc.params ?? {})) {
    list.push({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input', components) });
  }
  if (doc.query) {
    const query = jsonSchema(doc.query, 'input', components);
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      list.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  return list;
}

function requestBody(body: NonNullable<RouteDoc['body']>, components: Record<string, JsonSchema>): Record<string, unknown> {
  if ('json' in body) return { required: true, content: { 'application/json': { schema: jsonSchema(body.json, 'input', components) } } };
  if ('bytes' in body) return { required: true, description: body.bytes, content: { 'application/octet-stream': {} } };
  const form = jsonSchema(body.multipart, 'input', components);
  const files = Object.fromEntries(
    Object.entries(body.files).map(([name, description]) => [
      name,
      { type: 'string', contentMediaType: 'application/octet-stream', description },
    ]),
  );
  const schema = { ...form, properties: { ...(form.properties as JsonSchema), ...files } };
  return { required: true, content: { 'multipart/form-data': { schema } } };
}

function answerContent(schema: z.ZodType | undefined, components: Record<string, JsonSchema>) {
  return schema ? { content: { 'application/json': { schema: jsonSchema(schema, 'output', components) } } } : {};
}

function operation(doc: RouteDoc, components: Record<string, JsonSchema>): Record<string, unknown> {
  const answer =
    doc.answer instanceof z.ZodType
      ? { description: 'Success.', ...answerContent(doc.answer, components) }
      : { description: doc.answer.description, content: { [doc.answer.contentType]: { schema: { type: 'string' } } } };
  if (doc.answerHeaders) {
    Object.assign(answer, {
      headers: Object.fromEntries(
        Object.entries(doc.answerHeaders).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
      ),
    });
  }
  const other = Object.fromEntries(
    Object.entries(doc.otherAnswers ?? {}).map(([status, { description, schema }]) => [
      status,
      { description, ...answerContent(schema, components) },
    ]),
  );
  const params = parameters(doc, components);
  return {
    operationId: operationId(doc),
    tags: [doc.tag],
    summary: doc.summary,
    description: [doc.description, whoMay(doc.auth)].filter(Boolean).join('\n\n'),
    security: security(doc.auth),
    ...(Array.isArray(doc.auth) ? { 'x-device-types': [...(doc.auth as readonly string[])] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(doc.body ? { requestBody: requestBody(doc.body, components) } : {}),
    responses: { '200': answer, ...other, ...errorResponses(errorCodes(doc)) },
  };
}

export function openApiDocument(docs: readonly RouteDoc[], version: string): Record<string, unknown> {
  const components: Record<string, JsonSchema> = { ErrorAnswer: jsonSchema(errorBodySchema, 'output', {}) };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of docs) {
    const path = (paths[openApiPath(doc.path)] ??= {});
    if (path[doc.method]) throw new Error(`two RouteDocs for ${doc.method.toUpperCase()} ${doc.path}`);
    path[doc.method] = operation(doc, components);
  }
  const tags = [...new Set(docs.map((d) => d.tag))].map((name) => ({
    name,
    ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}),
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Capture Backend REST API',
      version,
      // package.json says UNLICENSED; SPDX names a license of one's own LicenseRef-*.
      license: { name: 'Proprietary (UNLICENSED): for the lab and its partners', identifier: 'LicenseRef-UNLICENSED' },
      description:
        'Every REST route of the Capture Backend, generated from the zod schemas the routes validate with (src/http/route-doc.ts). ' +
        'Every refusal is `{ ok: false, code, error, details? }` with the HTTP status of its code: `code` is from the one ' +
        'table below (src/domain/errors.ts) and is what a client branches on; `error` is a sentence for people. The codes each ' +
        'route can give are listed under its error answers (x-error-codes). The Socket.IO protocol is in /api/asyncapi.json; ' +
        'docs/API.md is the narrative guide.\n\n' +
        errorCodeTable(),
    },
    servers: [{ url: '/', description: 'This server (behind Nginx: the public https origin).' }],
    tags,
    paths,
    'x-error-codes': ERROR_CODES,
    components: {
      schemas: components,
      securitySchemes: {
        adminKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: "The operator's ADMIN_API_KEY." },
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A device token from POST /auth/device-token; its deviceType decides which routes it may call.',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN, for Prometheus.' },
      },
    },
  };
}
