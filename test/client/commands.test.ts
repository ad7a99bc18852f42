import { afterEach, describe, expect, it } from 'vitest';
import {
  ask,
  CommandRefusedError,
  connected,
  connectSocket,
  recordingControl,
  serverTime,
  type CaptureSocket,
  type ConnectOptions,
} from '@capture-backend/client';
import type { CaptureServer } from '../../src/app';
import { eventually } from '../helpers/clients';
import { serverFactory, useTestRedis } from '../helpers/test-server';

/**
 * The typed client's recording commands resolve on their outcome from the ledger (no race with
 * the acknowledgement), and as a headset it answers the server's clock measurement by itself.
 */
describe('typed client: commands on their outcome, and the clock', () => {
  const start = serverFactory('memory', useTestRedis());
  const sockets: CaptureSocket[] = [];
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  const open = async (server: CaptureServer, id: string, type: 'headset' | 'tablet', options: ConnectOptions = {}) => {
    const socket = connectSocket(server.url(), { token: server.tokens.sign(id, type), reconnection: false, ...options });
    sockets.push(socket);
    await connected(socket);
    return socket;
  };
  /** A headset that reports each start and stop at once, as the ledger's confirmation. */
  const obedientHeadset = async (server: CaptureServer, id: string) => {
    const headset = await open(server, id, 'headset');
    headset.on('on-tablet-start-recording', () => void ask(headset, 'headset-recording-state', true).catch(() => undefined));
    headset.on('on-tablet-stop-recording', () => void ask(headset, 'headset-recording-state', false).catch(() => undefined));
    expect(await ask(headset, 'headset-identify', id)).toMatchObject({ ok: true });
    return headset;
  };

  it('answers on-time-sync as a headset, so the server measures its clock; a synchronized start resolves confirmed at startAt', async () => {
    const server = await start();
    const headset = await obedientHeadset(server, 'H1');
    const plans: Array<{ startAt: number; startAtDeviceTime: number } | undefined> = [];
    headset.on('on-tablet-start-recording', (plan) => plans.push(plan));
    const clock = await eventually(async () => {
      const estimate = await server.services.clock.estimate('H1');
      if (!estimate) throw new Error('H1 not measured yet');
      return estimate;
    });
    // The same process's clock: the offset is within the measurement's uncertainty of zero.
    expect(Math.abs(clock.offsetMs)).toBeLessThanOrEqual(clock.uncertaintyMs + 5);

    const tablet = await open(server, 'T1', 'tablet');
    expect(await ask(tablet, 'tablet-lock-device', 'H1')).toMatchObject({ ok: true });
    const control = recordingControl(tablet);
    const now = await serverTime(tablet);
    expect(now).toBeGreaterThan(0);
    const started = await control.startAllIn(800);
    expect(started.denied).toEqual([]);
    expect(started.commands).toHaveLength(1);
    expect(started.commands[0]).toMatchObject({ deviceId: 'H1', state: 'confirmed', action: 'start-all' });
    // The headset was told to start at startAt, 800 ms or more after the server time read first, in its own clock too.
    expect(plans).toHaveLength(1);
    expect(plans[0]!.startAt).toBeGreaterThanOrEqual(now + 800);
    expect(Math.abs(plans[0]!.startAtDeviceTime - plans[0]!.startAt)).toBeLessThanOrEqual(clock.uncertaintyMs + 5);
  });

  it('resolves a start and a stop when the ledger confirms them, and rejects a refused command with its code', async () => {
    const server = await start();
    await obedientHeadset(server, 'H1');
    const tablet = await open(server, 'T1', 'tablet');
    expect(await ask(tablet, 'tablet-lock-device', 'H1')).toMatchObject({ ok: true });
    const control = recordingControl(tablet);
    // The confirmation can come before the acknowledgement: it is heard anyway.
    expect(await control.startRecording('H1', { commandId: 'take-1' })).toMatchObject({ commandId: 'take-1', state: 'confirmed' });
    // The same commandId again is answered from the ledger: the same outcome.
    expect(await control.startRecording('H1', { commandId: 'take-1' })).toMatchObject({ commandId: 'take-1', state: 'confirmed' });
    expect(await control.stopRecording('H1')).toMatchObject({ action: 'stop', state: 'confirmed' });

    const refused = await control.startRecording('H2').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CommandRefusedError);
    expect((refused as CommandRefusedError).code).toBe('not_holder');
  });

  it('resolves expired when the headset never confirms', async () => {
    const server = await start({ RECORDING_ACK_TIMEOUT_MS: '300' });
    const silent = await open(server, 'H1', 'headset');
    expect(await ask(silent, 'headset-identify', 'H1')).toMatchObject({ ok: true });
    const tablet = await open(server, 'T1', 'tablet');
    expect(await ask(tablet, 'tablet-lock-device', 'H1')).toMatchObject({ ok: true });
    expect(await recordingControl(tablet).startRecording('H1')).toMatchObject({ state: 'expired' });
  });
});
