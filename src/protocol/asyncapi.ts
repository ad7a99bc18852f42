import { z } from 'zod';
import { ERROR_CODES, errorCodeTable } from '../domain/errors';
import { clientEvents } from './client-events';
import { errorCodeSchema, refusalSchema, type ClientEventSpec, type ServerEventSpec } from './event-spec';
import { serverEvents } from './server-events';

/**
 * The AsyncAPI 3 document of the Socket.IO protocol, generated from the same
 * event specs the server validates with, so it cannot drift from them. Served
 * at /api/asyncapi.json. Socket.IO carries an event as a name and a list of
 * arguments; each message's payload is that argument list (a JSON Schema
 * array, draft-07), and a client event's acknowledgement is the operation's
 * reply.
 */

const SCHEMA_FORMAT = 'application/schema+json;version=draft-07';
const CHANNEL = 'socketio';

type JsonSchema = Record<string, unknown>;

/** What a client must send (input) or will receive (output), as JSON Schema draft-07. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Transforms and custom checks (a binary frame) have no JSON form: they are shown as their input, or as any value.
  const generated = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema;
  // An event without arguments is an empty tuple; draft-07 has no empty `items` list, so say it as maxItems.
  if (Array.isArray(generated.items) && generated.items.length === 0) {
    delete generated.items;
    generated.maxItems = 0;
  }
  return generated;
}

const multiFormat = (schema: JsonSchema) => ({ schemaFormat: SCHEMA_FORMAT, schema });
const ref = (path: string) => ({ $ref: path });

/** Message keys must match ^[\w.-]+$; event names already do. */
const ackKey = (event: string) => `${event}.ack`;
/** The client's answer to a server event that asks for one (not a refusal: the client answers or times out). */
const answerKey = (event: string) => `${event}.answer`;

function clientMessage(event: string, spec: ClientEventSpec) {
  const notes = [`Sent by: ${spec.roles.join(', ')}.`];
  if ('hot' in spec && spec.hot) notes.push('The live-frame hot path: not rate limited, not queued behind control events.');
  return {
    name: event,
    title: event,
    summary: `Client event ${event}`,
    description: notes.join(' '),
    payload: multiFormat(jsonSchema(spec.args, 'input')),
    'x-roles': [...spec.roles],
  };
}

function ackMessage(event: string, spec: ClientEventSpec) {
  return {
    name: ackKey(event),
    title: `${event} acknowledgement`,
    summary: `The answer to ${event} when the client passed an acknowledgement callback: its success answer or a refusal.`,
    payload: multiFormat({ oneOf: [jsonSchema(spec.ack, 'output'), jsonSchema(refusalSchema, 'output')] }),
  };
}

function serverMessage(event: string, spec: ServerEventSpec) {
  return { name: event, title: event, summary: spec.description, payload: multiFormat(jsonSchema(spec.args, 'output')) };
}

export function asyncApiDocument(version: string): Record<string, unknown> {
  const client = Object.entries(clientEvents) as Array<[string, ClientEventSpec]>;
  const server = Object.entries(serverEvents) as Array<[string, ServerEventSpec]>;
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const message = (key: string, body: unknown) => {
    messages[key] = body;
    channelMessages[key] = ref(`#/components/messages/${key}`);
  };

  for (const [event, spec] of client) {
    message(event, clientMessage(event, spec));
    message(ackKey(event), ackMessage(event, spec));
    operations[`receive.${event}`] = {
      action: 'receive',
      channel: ref(`#/channels/${CHANNEL}`),
      summary: `${event}, from ${spec.roles.join(' or ')}`,
      messages: [ref(`#/channels/${CHANNEL}/messages/${event}`)],
      reply: { channel: ref(`#/channels/${CHANNEL}`), messages: [ref(`#/channels/${CHANNEL}/messages/${ackKey(event)}`)] },
    };
  }
  for (const [event, spec] of server) {
    message(event, serverMessage(event, spec));
    // An event the client answers (on-time-sync): its acknowledgement is the operation's reply.
    if (spec.answer) {
      message(answerKey(event), {
        name: answerKey(event),
        title: `${event} acknowledgement`,
        summary: `What the client answers to ${event}, through the acknowledgement callback the server passes.`,
        payload: multiFormat(jsonSchema(spec.answer, 'input')),
      });
    }
    operations[`send.${event}`] = {
      action: 'send',
      channel: ref(`#/channels/${CHANNEL}`),
      summary: spec.description,
      messages: [ref(`#/channels/${CHANNEL}/messages/${event}`)],
      ...(spec.answer
        ? { reply: { channel: ref(`#/channels/${CHANNEL}`), messages: [ref(`#/channels/${CHANNEL}/messages/${answerKey(event)}`)] } }
        : {}),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Capture Backend Socket.IO protocol',
      version,
      description:
        'Every Socket.IO event of the Capture Backend in both directions, generated from the event specs in src/protocol/. ' +
        'A client event may pass an acknowledgement callback as its last argument; its answer is the operation reply. ' +
        "Events of one connection are handled in the order they were sent. Roles come from the connection's device token.\n\n" +
        'Every refusal carries a code from one table (src/domain/errors.ts; the ErrorCode schema): an acknowledgement ' +
        '`{ ok: false, code, error }`, `on-event-rejected { event, reason, code }`, and a refused connection, whose ' +
        '`connect_error` carries `data: { code }` (`unauthenticated`, `token_expired`, `rate_limited`). Clients branch on ' +
        '`code`; `error` and `reason` are sentences for people and may be reworded. The HTTP status is what the same ' +
        'refusal answers over REST.\n\n' +
        errorCodeTable(),
    },
    defaultContentType: 'application/json',
    servers: {
      capture: {
        host: 'localhost:3200',
        protocol: 'ws',
        pathname: '/socket.io/',
        description: 'Socket.IO v4 over its websocket transport, on the server address (wss behind Nginx).',
        security: [ref('#/components/securitySchemes/deviceToken')],
      },
    },
    channels: {
      [CHANNEL]: {
        address: '/',
        title: 'The default Socket.IO namespace',
        messages: channelMessages,
      },
    },
    operations,
    components: {
      schemas: {
        ErrorCode: {
          ...jsonSchema(errorCodeSchema, 'output'),
          'x-error-codes': ERROR_CODES,
        },
        Refusal: jsonSchema(refusalSchema, 'output'),
      },
      messages,
      securitySchemes: {
        deviceToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description:
            'A device JWT from POST /auth/device-token, sent in the Socket.IO handshake as auth.token ' +
            '(or an Authorization: Bearer header, or ?token=). Its deviceType is the role. A refused handshake answers ' +
            '`connect_error` with `data: { code }`: `unauthenticated`, or `token_expired` (mint a new token).',
        },
      },
    },
  };
}
