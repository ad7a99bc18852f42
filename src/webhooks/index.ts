import type { FeatureFactory } from '../feature/feature';
import { webhookRouteDocs, webhookRoutes } from './webhook-routes';
import { WebhookService } from './webhook-service';

export { WebhookService, signWebhook, WEBHOOK_EVENTS, type WebhookEvent } from './webhook-service';

declare module '../feature/services' {
  interface FeatureServices {
    /** Signed webhooks to the lab's receivers. */
    webhooks: WebhookService;
  }
}

/** Signed webhooks: alarms, verdicts and session ends delivered at least once to the configured receivers. */
export const webhooks: FeatureFactory = (ctx) => {
  const service = new WebhookService({
    config: ctx.config.webhooks,
    store: ctx.store,
    events: ctx.events,
    logger: ctx.logger.child({ component: 'webhooks' }),
    registry: ctx.metrics.registry,
  });
  return {
    name: 'webhooks',
    provides: { webhooks: service },
    routes: webhookRoutes(ctx.auth, service),
    routeDocs: webhookRouteDocs,
    tasks: [service],
  };
};
