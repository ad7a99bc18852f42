/**
 * What features offer each other, by name. Each feature adds the services it
 * provides to this interface in its own index.ts (declaration merging):
 *
 *     declare module '../feature/services' {
 *       interface FeatureServices { locks: LockService }
 *     }
 *
 * so a feature that needs another's service asks the registry by name and gets
 * it typed, without importing that feature's internals.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by each feature's index.ts
export interface FeatureServices {}

export type ServiceName = keyof FeatureServices;

/**
 * The services the features built so far provide. Features are built in the
 * order of the feature list, so a feature can only use what an earlier one
 * provided: asking for a later one is a wiring mistake, reported at start.
 */
export class ServiceRegistry {
  private readonly provided = new Map<ServiceName, { by: string; service: unknown }>();

  provide(by: string, services: Partial<FeatureServices>): void {
    for (const [name, service] of Object.entries(services) as Array<[ServiceName, unknown]>) {
      const existing = this.provided.get(name);
      if (existing) throw new Error(`feature '${by}' provides '${name}', which feature '${existing.by}' already provides`);
      this.provided.set(name, { by, service });
    }
  }

  get<K extends ServiceName>(name: K): FeatureServices[K] {
    const entry = this.provided.get(name);
    if (!entry) {
      throw new Error(
        `no feature has provided '${name}' yet: list the feature that provides it before the ones that use it (src/features.ts)`,
      );
    }
    return entry.service as FeatureServices[K];
  }

  /** Every service, for the composition root's callers (tests, the entry point). */
  all(): FeatureServices {
    return Object.fromEntries([...this.provided].map(([name, { service }]) => [name, service])) as unknown as FeatureServices;
  }
}
