import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  clientEvents,
  serverEvents,
  type Ack,
  type AckCallback,
  type ClientToServerEvents,
  type ErrorCode,
  type Payload,
  type ServerToClientEvents,
  type SessionView,
} from '../../src/protocol';
import type { EventHandler, EventRouter } from '../../src/realtime/event-router';
import { connectClient } from '../helpers/clients';
import { askUncheckedWithin } from '@capture-backend/client';
import { serverFactory, useTestRedis } from '../helpers/test-server';

describe('the protocol types, derived from the event specs', () => {
  it('types what a client sends and what it is answered', () => {
    expectTypeOf<Parameters<ClientToServerEvents['tablet-lock-device']>>().toEqualTypeOf<
      [payload: string, ack?: AckCallback<'tablet-lock-device'>]
    >();
    expectTypeOf<Parameters<ClientToServerEvents['tablet-unlock-all-devices']>>().toEqualTypeOf<
      [ack?: AckCallback<'tablet-unlock-all-devices'>]
    >();
    expectTypeOf<Parameters<ClientToServerEvents['tablet-sync-metadata']>>().toEqualTypeOf<
      [data: string, targetDeviceId?: string, ack?: AckCallback<'tablet-sync-metadata'>]
    >();
    expectTypeOf<Parameters<ClientToServerEvents['headset-identify']>[0]>().toEqualTypeOf<string | { deviceId: string }>();
    expectTypeOf<Ack<'headset-identify'>>().toEqualTypeOf<{ ok: true; deviceId: string } | { ok: false; code: ErrorCode; error: string }>();
    expectTypeOf<Ack<'tablet-get-active-session'>>().toEqualTypeOf<
      { ok: true; session: SessionView | null } | { ok: false; code: ErrorCode; error: string }
    >();
  });

  it('types what a handler receives and what it may answer', () => {
    expectTypeOf<Payload<'tablet-create-session'>>().toEqualTypeOf<{ deviceIds: string[]; metadata?: Record<string, unknown> }>();
    // A malformed lock target reaches the handler as null, to be answered with its own reason.
    expectTypeOf<Payload<'tablet-lock-device'>>().toEqualTypeOf<string | null>();
    expectTypeOf<Payload<'tablet-unlock-all-devices'>>().toEqualTypeOf<undefined>();
    // A command's target: the spec's device ID or { deviceId, commandId, startAt }, as one shape.
    expectTypeOf<Parameters<EventHandler<'tablet-start-recording'>>[0]>().toEqualTypeOf<{
      deviceId: string;
      commandId?: string;
      startAt?: number;
    }>();
    expectTypeOf<Parameters<EventHandler<'tablet-stop-recording'>>[0]>().toEqualTypeOf<{ deviceId: string; commandId?: string }>();
    // A headset's recording report: the spec's boolean or { isRecording, startedAtDeviceTime }, as one shape.
    expectTypeOf<Payload<'headset-recording-state'>>().toEqualTypeOf<{ isRecording: boolean; startedAtDeviceTime?: number }>();

    const register = (router: EventRouter) => {
      // @ts-expect-error a handler of tablet-start-recording receives a device ID, not a number
      router.on('tablet-start-recording', (id: number) => ({ ok: true, deviceId: String(id), command: 'start' as const }));
      // @ts-expect-error its answer must carry the device and command
      router.on('tablet-start-recording', () => ({ ok: true }));
      // @ts-expect-error frames are not control events
      router.on('headset-frame', () => undefined);
      router.on('tablet-connect-headset', (deviceId) => ({ ok: true, deviceId }));
      router.on('headset-status', () => undefined);
      router.on('tablet-stop-recording', () => ({ ok: false, code: 'not_holder', error: 'refused' }));
    };
    expectTypeOf(register).toBeFunction();
  });

  it('types what the server sends', () => {
    expectTypeOf<Parameters<ServerToClientEvents['on-device-locked']>>().toEqualTypeOf<[{ deviceId: string }]>();
    expectTypeOf<Parameters<ServerToClientEvents['on-headset-frame-updated']>[1]>().toEqualTypeOf<string>();
    // No payload (the spec), or a synchronized start's.
    expectTypeOf<Parameters<ServerToClientEvents['on-tablet-start-recording']>>().toEqualTypeOf<
      [payload?: { commandId: string; startAt: number; startAtDeviceTime: number }]
    >();
    expectTypeOf<Parameters<ServerToClientEvents['on-tablet-stop-recording']>>().toEqualTypeOf<[]>();
    // The server asks; the client's acknowledgement answers.
    expectTypeOf<Parameters<ServerToClientEvents['on-time-sync']>>().toEqualTypeOf<
      [{ serverTime: number }, ack: (answer: { deviceTime: number }) => void]
    >();
  });

  it('gives every client event at least one role and every server event a description', () => {
    for (const [event, spec] of Object.entries(clientEvents)) expect(spec.roles.length, event).toBeGreaterThan(0);
    for (const [event, spec] of Object.entries(serverEvents)) expect(spec.description.length, event).toBeGreaterThan(10);
  });
});

describe('every client event of the protocol is handled', () => {
  const start = serverFactory('memory', useTestRedis());

  it('answers each one, from a client it is not for, with a refusal rather than "unknown event"', async () => {
    const server = await start();
    // A headset-type token on an unidentified socket: every event is either refused for its role or needs identify first.
    const client = await connectClient(server, { deviceId: 'NOBODY', deviceType: 'dashboard' });
    for (const event of Object.keys(clientEvents) as Array<keyof ClientToServerEvents>) {
      const answer = await askUncheckedWithin(client.socket, 5_000, event);
      expect(answer.error, event).not.toBe('unknown event');
    }
  });
});
