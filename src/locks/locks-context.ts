import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { Broadcaster } from '../realtime/broadcaster';
import type { LockNotices } from './lock-notices';
import type { LockService } from './lock-service';

/** What the locks feature's socket modules and sweeps share, built once per server in ./index.ts. */
export interface LocksContext {
  locks: LockService;
  notices: LockNotices;
  broadcast: Broadcaster;
  metrics: Metrics;
  logger: Logger;
}
