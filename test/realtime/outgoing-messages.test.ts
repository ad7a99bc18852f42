import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, identifiedHeadset, tabletClient } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

/** Every message the server sends is in turing_socket_messages_total{direction="out"}, broadcasts and replies alike. */
let server: CaptureServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  closeAllClients();
  await server.close();
});

async function sentCount(event: string): Promise<number> {
  const text = await (await fetch(`${server.url()}/metrics`)).text();
  const match = new RegExp(`^turing_socket_messages_total\\{event_type="${event}",direction="out"\\} (\\d+)`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

describe('outgoing socket messages', () => {
  it('counts the replies a handler sends to its own socket', async () => {
    const headset = await identifiedHeadset(server, 'H1');
    await headset.next('on-headset-connected');
    const tablet = await tabletClient(server, 'TABLET_A');
    await tablet.ask('tablet-lock-device', 'H1');
    await tablet.ask('tablet-get-recording-status', 'H1');
    await tablet.next('on-recording-status');
    await tablet.ask('tablet-get-active-session');
    await tablet.next('on-active-session');
    const { sessionId } = await tablet.ask('tablet-create-session', { deviceIds: ['H1'] });
    await tablet.ask('tablet-get-session', sessionId);
    await tablet.next('on-session-status');
    // A refused session request: on-session-error, and (once a second) on-event-rejected.
    await tablet.ask('tablet-start-session', 'session_1_nosuch');
    await tablet.next('on-session-error');
    await tablet.next('on-event-rejected');

    for (const event of [
      'on-headset-connected',
      'on-recording-status',
      'on-active-session',
      'on-session-status',
      'on-session-error',
      'on-event-rejected',
    ]) {
      expect(await sentCount(event), event).toBe(1);
    }
  });

  it('has no uncounted socket.emit left in the source', () => {
    const root = path.resolve(__dirname, '../../src');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts') && /\bsocket\.emit\(/.test(readFileSync(file, 'utf8'))) offenders.push(path.relative(root, file));
      }
    };
    walk(root);
    // The router's reply() is the one place that emits to a single socket, and it counts.
    expect(offenders).toEqual(['realtime/event-router.ts']);
  });
});
