import type { DeviceType } from '../domain/ids';
import type { FeatureFactory } from '../feature/feature';
import { tokenRouteDocs, tokenRoutes } from './token-routes';

export type { TokenAnswer } from './token-routes';

declare module '../domain/events' {
  interface DomainEventMap {
    /** An operator minted a device token with the admin key (POST /auth/device-token); the audit log records it. */
    'token.minted': { deviceId: string; deviceType: DeviceType };
  }
}

/** JSON bodies here are a device ID and a type. */
const JSON_BODY_LIMIT = '200kb';

/** Provisioning: operators mint device tokens with the admin key (POST /auth/device-token). */
export const provisioning: FeatureFactory = (ctx) => ({
  name: 'provisioning',
  routes: tokenRoutes(ctx.auth, JSON_BODY_LIMIT, ctx.events),
  routeDocs: tokenRouteDocs,
});
