import { z } from 'zod';
import type { DeviceType } from './ids';

/**
 * Who did something, for records a lab keeps (commands, curation, alarm
 * acknowledgements, the audit log). `id` is a device ID for tablets and
 * headsets, a dashboard token's device ID, `admin` for the admin key, or the
 * name of the server job for `system`.
 */
export const ACTOR_KINDS = ['tablet', 'headset', 'dashboard', 'admin', 'system'] as const;
export const actorKindSchema = z.enum(ACTOR_KINDS);
export type ActorKind = z.infer<typeof actorKindSchema>;

export const actorSchema = z.object({ kind: actorKindSchema, id: z.string() });
export type Actor = z.infer<typeof actorSchema>;

export const ADMIN_ACTOR: Actor = Object.freeze({ kind: 'admin', id: 'admin' });

/** Who an authenticated REST caller is, as an actor: the admin key, or a device token's type and ID. */
export function actorOf(caller: { kind: 'admin' } | { kind: 'device'; deviceId: string; deviceType: DeviceType }): Actor {
  return caller.kind === 'admin' ? ADMIN_ACTOR : { kind: caller.deviceType, id: caller.deviceId };
}
