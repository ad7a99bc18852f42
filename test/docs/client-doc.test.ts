import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as client from '@capture-backend/client';
import * as clientNode from '@capture-backend/client/node';
import { eventually } from '../helpers/clients';
import { serverFactory, useTestRedis } from '../helpers/test-server';
import { docExamples, type DocExample } from './client-examples';

/**
 * docs/CLIENT.md's examples run as written against a real server: a doc example that
 * does not work (a tablet waiting for a headset list that never comes) fails the suite.
 */
const examples = docExamples(path.resolve(__dirname, '../../docs/CLIENT.md'));
const modules: Record<string, Record<string, unknown>> = {
  '@capture-backend/client': client,
  '@capture-backend/client/node': clientNode,
};
const under = (heading: string): DocExample => {
  const found = examples.find((e) => e.heading === heading);
  if (!found) throw new Error(`docs/CLIENT.md has no example under "${heading}"`);
  return found;
};

describe('docs/CLIENT.md examples', () => {
  const start = serverFactory('memory', useTestRedis());

  it('every example is one of those run here', () => {
    expect(examples.map((e) => e.heading)).toEqual([
      '# The typed client',
      '## A headset',
      '## A tablet',
      '## Recording commands, resolved on their outcome',
      '## Refusals: branch on `code`',
      '## An upload',
      '## An upload',
      '## REST',
    ]);
  });

  it('a headset identifies, a tablet that connects after it locks it and runs a session, another tablet hears why it cannot, and an upload completes', async () => {
    const server = await start({ RECORDING_ACK_TIMEOUT_MS: '300' });
    const url = server.url();
    const sign = (id: string, type: 'headset' | 'tablet') => server.tokens.sign(id, type);
    const timers: NodeJS.Timeout[] = [];
    const recording: string[] = [];
    const sockets: client.CaptureSocket[] = [];
    // The first block's import is in scope for the document's other blocks; the sockets they open are closed after.
    const imported = {
      ...client,
      connectSocket: (...a: Parameters<typeof client.connectSocket>) => {
        const s = client.connectSocket(...a);
        sockets.push(s);
        return s;
      },
    };
    const run = (heading: string, env: Record<string, unknown>) => under(heading).run({ ...imported, ...env }, modules);
    /** Another connection of a tablet that holds QUEST_001 (the example's own tablet variable is its block's). */
    const lockedBy = async (tabletId: string) => {
      const socket = imported.connectSocket(url, { token: sign(tabletId, 'tablet'), reconnection: false });
      await client.connected(socket);
      return socket;
    };
    try {
      await under('# The typed client').run({}, modules);
      // A tablet there before the headset hears its list broadcast; the tablet of the example comes after it.
      const before = imported.connectSocket(url, { token: sign('TABLET_0', 'tablet'), reconnection: false });
      const listed = client.nextEvent(before, 'on-headsets-updated', { match: (ids) => ids.includes('QUEST_001') });
      await run('## A headset', {
        url,
        token: sign('QUEST_001', 'headset'),
        startRecording: () => recording.push('start'),
        stopRecording: () => recording.push('stop'),
        setInterval: (fn: () => void, ms: number) => timers.push(setInterval(fn, ms)),
      });
      await listed;
      // The tablet connects after the headset identified and its list went out: it hears the list at once.
      const shown: Array<[string, boolean]> = [];
      await run('## A tablet', { url, tabletToken: sign('TABLET_1', 'tablet'), show: (id: string, on: boolean) => shown.push([id, on]) });
      await eventually(() => expect(recording).toContain('start'));
      // The headset of the example does not report its state: a command to it expires (RECORDING_ACK_TIMEOUT_MS, 300 ms here).
      const told: unknown[][] = [];
      await run('## Recording commands, resolved on their outcome', {
        tablet: await lockedBy('TABLET_1'),
        showOperator: (text: string) => told.push([text]),
        console: { log: (...args: unknown[]) => told.push(args) },
      });
      expect(told).toEqual([['QUEST_001 did not start (expired)'], [['QUEST_001 expired'], []]]);
      const operator: string[] = [];
      const other = imported.connectSocket(url, { token: sign('TABLET_2', 'tablet'), reconnection: false });
      await client.connected(other);
      // QUEST_001 is held by TABLET_1: the refusal's code is lock_held.
      await run('## Refusals: branch on `code`', {
        tablet: other,
        showOperator: (text: string) => operator.push(text),
        retryLater: () => operator.push('retry'),
      });
      expect(operator).toHaveLength(1);
      expect(operator[0]).toContain('TABLET_1');

      const logged: unknown[][] = [];
      const bytes = new Uint8Array(1_000).fill(7);
      await run('## An upload', {
        url,
        headsetToken: sign('QUEST_001', 'headset'),
        file: new Blob([bytes]),
        saveForResume: () => undefined,
        console: { log: (...args: unknown[]) => logged.push(args) },
      });
      const [key, etag] = logged.at(-1)!;
      expect(String(key)).toContain('QUEST_001');
      expect(typeof etag).toBe('string');
      expect(logged.some((l) => String(l[0]) === '100 %')).toBe(true);
    } finally {
      timers.forEach(clearInterval);
      sockets.forEach((s) => s.close());
    }
  });

  it("the node example's client answers through node:http", async () => {
    const server = await start();
    // The block declares `http` and ends; ask it for the client it built by running it with a `CaptureHttp` that keeps it.
    const built: client.CaptureHttp[] = [];
    const CaptureHttp = class extends client.CaptureHttp {
      constructor(options: client.HttpOptions) {
        super(options);
        built.push(this);
      }
    };
    await examples
      .filter((e) => e.heading === '## An upload')
      .at(-1)!
      .run({ url: server.url(), headsetToken: server.tokens.sign('QUEST_001', 'headset'), CaptureHttp }, modules);
    expect((await built[0]!.send('GET', '/health')).status).toBe(200);
  });

  it('the REST example walks the recordings and sessions page by page, with the total beside each page', async () => {
    const server = await start();
    const { store } = server;
    const at = Date.now();
    for (const i of [1, 2, 3]) {
      await store.sessions.save({
        sessionId: `S${i}`,
        tabletId: 'T1',
        deviceIds: ['H1'],
        status: 'completed',
        createdAt: new Date(at + i),
        deviceStatuses: {},
      });
    }
    const logged: unknown[][] = [];
    // The document's first block imports the client for all of them.
    await under('## REST').run(
      {
        ...client,
        url: server.url(),
        adminKey: server.config.auth.adminApiKey,
        sessionId: 'S2',
        console: { log: (...a: unknown[]) => logged.push(a) },
      },
      modules,
    );
    expect(logged).toEqual([['3 of 3 sessions'], [0, 'completed']]);
  });
});
