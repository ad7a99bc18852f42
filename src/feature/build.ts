import type { RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import type { RouteDoc } from '../http/route-doc';
import type { SocketModule } from '../realtime/socket-module';
import type { Feature, FeatureContext, FeatureFactory } from './feature';
import { ServiceRegistry, type FeatureServices } from './services';

/** The features of one server, built, and what the composition root does with all of them at once. */
export interface BuiltFeatures {
  readonly services: FeatureServices;
  readonly middleware: readonly RequestHandler[];
  readonly routes: readonly Router[];
  readonly routeDocs: readonly RouteDoc[];
  readonly sockets: readonly SocketModule[];
  registerGauges(registry: Registry): void;
  /** Starts every feature's tasks, then each feature, in list order. */
  start(): void;
  /** Stops every feature in reverse list order (its tasks first); resolves when all have stopped. */
  stop(): Promise<void>;
}

/** Builds the features in list order, each with the shared context and the services the ones before it provided. */
export function buildFeatures(factories: readonly FeatureFactory[], shared: Omit<FeatureContext, 'services'>): BuiltFeatures {
  const registry = new ServiceRegistry();
  const context: FeatureContext = { ...shared, services: registry };
  const features: Feature[] = [];
  for (const factory of factories) {
    const feature = factory(context);
    if (feature.provides) registry.provide(feature.name, feature.provides);
    features.push(feature);
  }
  return {
    services: registry.all(),
    middleware: features.flatMap((f) => f.middleware ?? []),
    routes: features.flatMap((f) => (f.routes ? [f.routes] : [])),
    routeDocs: features.flatMap((f) => f.routeDocs ?? []),
    sockets: features.flatMap((f) => f.sockets ?? []),
    registerGauges(registry) {
      for (const feature of features) feature.registerGauges?.(registry);
    },
    start() {
      for (const feature of features) {
        for (const task of feature.tasks ?? []) task.start();
        feature.start?.();
      }
    },
    async stop() {
      const stopping: Array<Promise<void>> = [];
      for (const feature of [...features].reverse()) {
        for (const task of feature.tasks ?? []) task.stop();
        try {
          stopping.push(Promise.resolve(feature.stop?.()));
        } catch (err) {
          shared.logger.warn({ err: (err as Error).message, feature: feature.name }, 'a feature failed to stop');
        }
      }
      const results = await Promise.allSettled(stopping);
      for (const result of results) {
        if (result.status === 'rejected') shared.logger.warn({ err: (result.reason as Error)?.message }, 'a feature failed to stop');
      }
    },
  };
}
