import { alarms } from './alarms';
import { audit } from './audit';
import { clock } from './clock';
import { commands } from './commands';
import { datasets } from './datasets';
import { dashboard } from './dashboard';
import type { FeatureFactory } from './feature/feature';
import { fleet } from './fleet';
import { frames } from './frames';
import { locks } from './locks';
import { quality } from './quality';
import { recordings } from './recordings';
import { sessions } from './sessions';
import { storageStats } from './storage-stats';
import { uploads } from './uploads';
import { provisioning } from './provisioning';
import { webhooks } from './webhooks';

/**
 * Every feature of the server, in the order they are built: a feature may use
 * the services of those before it (ctx.services.get), so a feature comes after
 * the ones it needs. Their routes are mounted, and their socket modules
 * registered, in this order; they stop in the reverse order. Adding a feature
 * is its folder and one line here (docs/ARCHITECTURE.md, "Adding a feature").
 */
export const FEATURES: readonly FeatureFactory[] = [
  fleet,
  locks,
  alarms,
  clock,
  commands,
  sessions,
  frames,
  uploads,
  quality,
  storageStats,
  recordings,
  datasets,
  webhooks,
  audit,
  provisioning,
  dashboard,
];
