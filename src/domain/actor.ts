/**
 * Who did something, for records a lab keeps (commands, curation, alarm
 * acknowledgements, the audit log). `id` is a device ID for tablets and
 * headsets, a dashboard token's device ID, `admin` for the admin key, or the
 * name of the server job for `system`.
 */
export type ActorKind = 'tablet' | 'headset' | 'dashboard' | 'admin' | 'system';

export interface Actor {
  kind: ActorKind;
  id: string;
}

export const ADMIN_ACTOR: Actor = { kind: 'admin', id: 'admin' };
