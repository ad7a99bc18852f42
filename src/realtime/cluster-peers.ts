import { once } from 'node:events';
import type Redis from 'ioredis';
import type { Logger } from 'pino';

export interface ClusterPeersOptions {
  /** Publishes the announcement and asks Redis who subscribes. */
  pub: Redis;
  /** The adapter's subscriber connection: announcements are heard on it. */
  sub: Redis;
  /** Where processes announce themselves (plain pub/sub). */
  announceChannel: string;
  /** How often the number of processes is asked again (someone left, an announcement was missed). */
  checkIntervalMs: number;
  logger: Logger;
}

/**
 * Whether other server processes share this Redis (and key prefix).
 *
 * With Redis configured, one process still has the cluster adapter, which
 * sends every broadcast through Redis and waits for the answer before
 * delivering it here: each telemetry update, each batch (received back and
 * parsed again) and each live frame made a round trip for nobody. While this
 * process is alone its broadcasts stay in memory.
 *
 * Never alone too soon: a process starts as "not alone", and a new process
 * announces itself before it takes connections, so the ones already running
 * stop keeping broadcasts to themselves before any client can reach it. The
 * periodic check (SHARDNUMSUB of the adapter's channel) sees processes that
 * left, and one whose announcement was missed (Redis away at that moment).
 * A check that was already on its way when an announcement arrived is not
 * believed: it may predate the newcomer's subscription.
 */
export interface LocalAdapterChannels {
  /** The adapter's namespace channel, which every process of the cluster subscribes (sharded). */
  namespace: string;
  /** This process's own (response) channel, which only it subscribes. */
  own: string;
  /** This process's name in the announcements (the adapter's uid). */
  uid: string;
}

export class ClusterPeers {
  private alone = false;
  private announcementsHeard = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly log: Logger;
  private channels?: LocalAdapterChannels;

  constructor(private readonly options: ClusterPeersOptions) {
    this.log = options.logger;
  }

  /** Whether a broadcast may have recipients in another process. */
  hasPeers(): boolean {
    return !this.alone;
  }

  /**
   * Tells the processes already running that this one is here, then starts
   * checking. `channels` are the local adapter's. Resolves once the announcement is sent, or after `timeoutMs`
   * with Redis away (the process then counts as having peers until a check
   * says otherwise).
   */
  async start(channels: LocalAdapterChannels, timeoutMs: number): Promise<void> {
    this.channels = channels;
    const { sub, pub, announceChannel } = this.options;
    const { uid } = channels;
    sub.on('message', (channel: string, message: string) => {
      if (channel !== announceChannel || message === uid) return;
      this.announcementsHeard++;
      if (this.alone) this.log.info({ peer: message }, 'another server process joined: broadcasts go through Redis again');
      this.alone = false;
    });
    const announce = async () => {
      // The same connection subscribed the adapter's channels first: once this subscription is
      // answered, those are in place too, so a process that hears us can count us.
      await sub.subscribe(announceChannel);
      // The publisher fails fast instead of queueing (no offline queue): wait until it is connected.
      if (pub.status !== 'ready') await once(pub, 'ready');
      await pub.publish(announceChannel, uid);
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const outcome = await Promise.race([announce(), timeout]);
      if (outcome === 'timeout') this.log.warn('could not announce this process to the cluster in time; broadcasts go through Redis');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not announce this process to the cluster; broadcasts go through Redis');
    } finally {
      clearTimeout(timer);
    }
    if (!this.stopped) await this.check();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async check(): Promise<void> {
    const heardBefore = this.announcementsHeard;
    const { namespace, own } = this.channels!;
    try {
      const answer = (await this.options.pub.call('PUBSUB', 'SHARDNUMSUB', namespace, own)) as Array<string | number>;
      const subscribers = Number(answer[1]);
      // Our own channel not subscribed (resubscribing after a Redis restart): the count may miss us, so it says nothing.
      const counted = Number(answer[3]) > 0;
      if (counted && heardBefore === this.announcementsHeard) {
        const alone = subscribers <= 1;
        if (alone !== this.alone)
          this.log.info(
            { processes: subscribers },
            alone ? 'alone in the cluster: broadcasts stay in this process' : 'other server processes share Redis',
          );
        this.alone = alone;
      }
    } catch (err) {
      // Redis away: keep what was known (alone keeps local delivery working; not alone publishes, which fails fast).
      this.log.debug({ err: (err as Error).message }, 'could not count the cluster processes');
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.check(), this.options.checkIntervalMs);
      this.timer.unref();
    }
  }
}
