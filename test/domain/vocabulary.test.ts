import { describe, expect, expectTypeOf, it } from 'vitest';
import { ACTOR_KINDS, ADMIN_ACTOR, actorOf, actorSchema, type Actor, type ActorKind } from '../../src/domain/actor';
import { COMMAND_ACTIONS, COMMAND_STATES, type CommandAction, type CommandState } from '../../src/domain/commands';
import { isoDate } from '../../src/domain/iso-date';
import type { CommandRecord } from '../../src/state';
import type { CommandView, TimelineEntryView } from '../../src/protocol';

/** The words every feature shares, defined once in src/domain as zod schemas with their types derived. */
describe('shared vocabulary', () => {
  it('reads a query time as ISO 8601 with a zone or epoch milliseconds, and nothing else', () => {
    expect(isoDate.parse('2026-02-06T14:30:52Z')).toEqual(new Date(Date.UTC(2026, 1, 6, 14, 30, 52)));
    expect(isoDate.parse('2026-02-06T15:30:52+01:00')).toEqual(new Date(Date.UTC(2026, 1, 6, 14, 30, 52)));
    expect(isoDate.parse('1770388252000')).toEqual(new Date(1770388252000));
    for (const bad of ['yesterday', '', '2026-02-06', '2026-02-06T14:30:52', '-1', '1.5', '99999999999999999', 12]) {
      const result = isoDate.safeParse(bad);
      expect(result.success, String(bad)).toBe(false);
      expect(result.error?.issues[0]?.message).toBe('expected an ISO 8601 time or epoch milliseconds');
    }
  });

  it('names a REST caller as an actor: the admin key, or its token', () => {
    expect(actorOf({ kind: 'admin' })).toEqual(ADMIN_ACTOR);
    expect(actorOf({ kind: 'device', deviceType: 'dashboard', deviceId: 'DASH_1' })).toEqual({ kind: 'dashboard', id: 'DASH_1' });
    expect(actorSchema.safeParse({ kind: 'robot', id: 'x' }).success).toBe(false);
    expect(ACTOR_KINDS).toEqual(['tablet', 'headset', 'dashboard', 'admin', 'system']);
  });

  it('derives the types the store, the protocol and the views use from the same schemas', () => {
    expectTypeOf<CommandRecord['action']>().toEqualTypeOf<CommandAction>();
    expectTypeOf<CommandRecord['state']>().toEqualTypeOf<CommandState>();
    expectTypeOf<CommandView['action']>().toEqualTypeOf<CommandAction>();
    expectTypeOf<CommandView['state']>().toEqualTypeOf<CommandState>();
    expectTypeOf<CommandView['issuedBy']>().toEqualTypeOf<Actor>();
    expectTypeOf<NonNullable<TimelineEntryView['actor']>['kind']>().toEqualTypeOf<ActorKind>();
    expectTypeOf<CommandAction>().toEqualTypeOf<(typeof COMMAND_ACTIONS)[number]>();
    expectTypeOf<CommandState>().toEqualTypeOf<(typeof COMMAND_STATES)[number]>();
  });
});
