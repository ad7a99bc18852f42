import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { clientEvents, serverEvents } from '../../src/protocol';
import { connectClient, identifiedHeadset } from '../helpers/clients';
import { serverFactory, useTestRedis } from '../helpers/test-server';

/** Socket.IO's own events, which a server-side socket may listen to besides the protocol's. */

/** The AsyncAPI document is generated from the event specs; these checks keep it valid and complete. */
describe('GET /api/asyncapi.json', () => {
  const start = serverFactory('memory', useTestRedis());

  it('serves an AsyncAPI 3 document that the AsyncAPI parser accepts without errors', async () => {
    const server = await start();
    const res = await fetch(`${server.url()}/api/asyncapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { document, diagnostics } = await new Parser().parse(text);
    // Severity 0 is an error; the parser returns no document when there is one.
    expect(diagnostics.filter((d) => Number(d.severity) === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.info().version()).toBe(server.config.version);
  });

  it('describes every event the server handles and sends, with its roles and acknowledgement', async () => {
    const server = await start();
    const doc = (await (await fetch(`${server.url()}/api/asyncapi.json`)).json()) as {
      operations: Record<string, { action: string; reply?: unknown }>;
      components: { messages: Record<string, { 'x-roles'?: string[] }> };
    };
    // Every event the connections' routers have handlers for, as the running server counts them.
    await identifiedHeadset(server, 'QUEST_001');
    await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    const registered = server.realtime.handledEvents();
    expect(registered.size).toBeGreaterThan(0);
    for (const event of registered) {
      expect(doc.operations[`receive.${event}`], event).toMatchObject({ action: 'receive', reply: expect.anything() });
      expect(doc.components.messages[event]?.['x-roles'], event).toEqual([...clientEvents[event as keyof typeof clientEvents].roles]);
    }
    expect([...registered].sort()).toEqual(Object.keys(clientEvents).sort());
    for (const event of Object.keys(serverEvents)) expect(doc.operations[`send.${event}`], event).toMatchObject({ action: 'send' });
  });
});
