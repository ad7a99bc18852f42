import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LooseAnswer } from '@capture-backend/client';
import { DomainError, ERROR_CODES, errorCodeTable, type ErrorCode } from '../../src/domain/errors';
import type { ErrorBody } from '../../src/http/errors';
import type { Refusal, ServerEventArgs } from '../../src/protocol';
import { serverFactory, useTestRedis } from '../helpers/test-server';

const CODES = Object.keys(ERROR_CODES).sort();
const root = path.resolve(__dirname, '../..');

/** Every .ts file under a folder of the repository. */
function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

type JsonSchema = {
  const?: unknown;
  enum?: string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  items?: JsonSchema[];
};

describe('the one table of error codes', () => {
  it('types every refusal’s code as a code of the table', () => {
    expectTypeOf<DomainError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<Refusal>().toEqualTypeOf<{ ok: false; code: ErrorCode; error: string }>();
    expectTypeOf<ErrorBody['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ServerEventArgs<'on-event-rejected'>>().toEqualTypeOf<[{ event: string; reason: string; code: ErrorCode }]>();
    expectTypeOf<LooseAnswer['code']>().toEqualTypeOf<ErrorCode | undefined>();
    // @ts-expect-error a code outside the table does not compile
    expect(() => new DomainError('no_such_code', 'x')).not.toThrow();
  });

  it('holds every code the server refuses with (the literal codes where refusals are made)', () => {
    // new DomainError('code', ...), a DomainError subclass's super('code', ...), connectionRefusal('code', ...), errorBody('code', ...)
    const pattern = /(?:new DomainError|super|connectionRefusal|errorBody)\(\s*'([a-z_]+)',/g;
    const used = new Map<string, string>();
    for (const file of sources('src')) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(pattern)) used.set(code!, path.relative(root, file));
    }
    expect(used.size).toBeGreaterThan(20);
    for (const [code, file] of used) expect(CODES, `${code} (${file})`).toContain(code);
  });

  it('is listed whole in docs/API.md, as the documents generate it', () => {
    const doc = readFileSync(path.join(root, 'docs/API.md'), 'utf8');
    expect(doc, 'docs/API.md: paste errorCodeTable() from src/domain/errors.ts').toContain(errorCodeTable());
  });
});

describe('the API documents list the codes', () => {
  const start = serverFactory('memory', useTestRedis());

  it('OpenAPI: ErrorAnswer requires a code whose enum is the table, and each error answer narrows it to its codes', async () => {
    const server = await start();
    const doc = (await (await fetch(`${server.url()}/api/openapi.json`)).json()) as {
      info: { description: string };
      paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>> }>>;
      components: { schemas: { ErrorAnswer: JsonSchema } };
    };
    const answer = doc.components.schemas.ErrorAnswer;
    expect([...answer.properties!.code!.enum!].sort()).toEqual(CODES);
    expect(answer.required).toEqual(expect.arrayContaining(['ok', 'code', 'error']));
    expect(doc.info.description).toContain(errorCodeTable());
    let errorAnswers = 0;
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          const codes = response['x-error-codes'] as string[] | undefined;
          if (!codes) continue;
          errorAnswers++;
          const schema = (response.content as Record<string, { schema: { allOf: JsonSchema[] } }>)['application/json']!.schema;
          expect(schema.allOf).toContainEqual({ properties: { code: { enum: codes } } });
          for (const code of codes) expect(response.description, `${status} ${code}`).toContain(`\`${code}\``);
        }
      }
    }
    expect(errorAnswers).toBeGreaterThan(50);
  });

  it('AsyncAPI: every acknowledgement’s refusal and on-event-rejected carry a code of the table, and the table is shown', async () => {
    const server = await start();
    const doc = (await (await fetch(`${server.url()}/api/asyncapi.json`)).json()) as {
      info: { description: string };
      components: { schemas: Record<string, JsonSchema>; messages: Record<string, { payload: { schema: JsonSchema } }> };
    };
    expect([...doc.components.schemas.ErrorCode!.enum!].sort()).toEqual(CODES);
    expect(doc.info.description).toContain(errorCodeTable());
    const acks = Object.entries(doc.components.messages).filter(([key]) => key.endsWith('.ack'));
    expect(acks.length).toBeGreaterThan(30);
    for (const [key, message] of acks) {
      const refusal = message.payload.schema.oneOf!.find((s) => s.properties?.ok?.const === false);
      expect(refusal?.required, key).toEqual(['ok', 'code', 'error']);
      expect([...refusal!.properties!.code!.enum!].sort(), key).toEqual(CODES);
    }
    const rejected = doc.components.messages['on-event-rejected']!.payload.schema.items![0]!;
    expect(rejected.required).toEqual(['event', 'reason', 'code']);
    expect([...rejected.properties!.code!.enum!].sort()).toEqual(CODES);
  });
});
