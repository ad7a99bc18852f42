import { once } from 'node:events';
import type Redis from 'ioredis';
import type { Logger } from 'pino';

export interface ClusterPeersOptions {
  /** Publishes the announcements and asks Redis who subscribes. */
  pub: Redis;
  /** The adapter's subscriber connection: announcements are heard on it. */
  sub: Redis;
  /** Where processes announce themselves and their followed rooms (plain pub/sub). */
  announceChannel: string;
  /** How often the processes and the followed rooms are counted again (someone left, a notice was missed). */
  checkIntervalMs: number;
  /**
   * Rooms followed one by one: those a broadcast goes to on every telemetry update,
   * status or frame (a headset's watch rooms, by name prefix, and the per-update
   * dashboards' room). A broadcast to one of them is published only while another
   * process has members of it.
   */
  followedRoomPrefix: string;
  followedRooms: readonly string[];
  logger: Logger;
}

/** What ClusterPeers needs of this process's adapter. */
export interface LocalAdapter {
  /** The adapter's namespace channel, which every process of the cluster subscribes (sharded). */
  namespace: string;
  /** This process's own (response) channel, which only it subscribes. */
  own: string;
  /** This process's name in the announcements (the adapter's uid). */
  uid: string;
  /** Whether this process has members of a room. */
  hasRoom: (room: string) => boolean;
}

/** A room noticed by another process counts as remote this long, whatever a count taken meanwhile says. */
const NOTICE_GRACE_MS = 5_000;

/**
 * Whether other server processes share this Redis (and key prefix), and which
 * followed rooms they have members of.
 *
 * With Redis configured, one process still has the cluster adapter, which sends
 * every broadcast through Redis and waits for the answer before delivering it
 * here: each telemetry update, each batch (received back and parsed again) and
 * each live frame made a round trip for nobody. While this process is alone its
 * broadcasts stay in memory; with others, a broadcast to a followed room (a
 * headset's watchers, the per-update dashboards) is published only while another
 * process has members of it.
 *
 * Never too late: a process starts as "not alone", and a new process announces
 * itself before it takes connections, so the ones already running stop keeping
 * broadcasts to themselves before any client can reach it; a process that gets
 * its first member of a followed room says so at once. Counts every interval
 * (SHARDNUMSUB of the adapter's channel, SHARDCHANNELS of the followed rooms) see
 * processes and members that left, and a notice that was missed. A count already
 * on its way when an announcement arrived is not believed, and a noticed room is
 * kept for NOTICE_GRACE_MS: either may predate the newcomer's subscription.
 */
export class ClusterPeers {
  private alone = false;
  private announcementsHeard = 0;
  /**
   * Followed rooms other processes had members of at the last count; undefined till a
   * count succeeds (and after one failed, or a process joined): then all are published.
   */
  private remoteRooms?: Set<string>;
  /** Followed rooms with members here that, at the last count, only this process subscribed. */
  private onlyHere = new Set<string>();
  /** When this process got its first member of each followed room it has members of. */
  private readonly localSince = new Map<string, number>();
  /** Followed rooms other processes said they joined, and when. */
  private readonly noticed = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly log: Logger;
  private local?: LocalAdapter;
  /** The room notices sent during joined(). */
  private collecting?: Array<Promise<unknown>>;

  constructor(private readonly options: ClusterPeersOptions) {
    this.log = options.logger;
  }

  /** Whether a broadcast may have recipients in another process. */
  hasPeers(): boolean {
    return !this.alone;
  }

  /** Whether another process may have members of this room. */
  mayHaveRemoteMembers(room: string): boolean {
    if (this.alone) return false;
    if (!this.follows(room)) return true;
    if (!this.remoteRooms || this.remoteRooms.has(room) || this.noticed.has(room)) return true;
    // Counted, and no other process has members: published only if this one has, and its count is not settled.
    return this.local !== undefined && this.local.hasRoom(room) && !this.onlyHere.has(room);
  }

  /** This process got its first member of a room: the others are told if they follow it. */
  roomCreated(room: string): void {
    if (!this.local || !this.follows(room)) return;
    this.localSince.set(room, Date.now());
    const sent = this.options.pub.publish(this.options.announceChannel, `${this.local.uid}\n${room}`).catch((err: Error) => {
      this.log.debug({ err: err.message }, 'could not announce a room; the others count it at their next check');
    });
    this.collecting?.push(sent);
  }

  /**
   * Runs a join (socket.join), and resolves once the notices of the followed rooms it
   * created have reached Redis, so a client answered after its join does not race its
   * room's notice to the process that publishes for it. A failed notice does not fail
   * the join.
   */
  joined(join: () => Promise<void> | void): Promise<void> | void {
    this.collecting = [];
    let result: Promise<void> | void;
    let notices: Array<Promise<unknown>>;
    try {
      result = join();
    } finally {
      notices = this.collecting;
      this.collecting = undefined;
    }
    if (notices.length === 0) return result;
    return Promise.all([result, ...notices]).then(() => undefined);
  }

  /**
   * Tells the processes already running that this one is here, then counts
   * processes and rooms. Resolves once the announcement is sent and counted,
   * or after `timeoutMs` with Redis away (the process then counts as having
   * peers with members everywhere until a count says otherwise).
   */
  async start(local: LocalAdapter, timeoutMs: number): Promise<void> {
    this.local = local;
    const { sub, pub, announceChannel } = this.options;
    sub.on('message', (channel: string, message: string) => {
      if (channel === announceChannel) this.heard(message);
    });
    const announce = async () => {
      // The same connection subscribed the adapter's channels first: once this subscription is
      // answered, those are in place too, so a process that hears us can count us.
      await sub.subscribe(announceChannel);
      // The publisher fails fast instead of queueing (no offline queue): wait until it is connected.
      if (pub.status !== 'ready') await once(pub, 'ready');
      await pub.publish(announceChannel, local.uid);
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

  /** This process's last member of a room left. */
  roomDeleted(room: string): void {
    this.localSince.delete(room);
    this.onlyHere.delete(room);
  }

  private follows(room: string): boolean {
    return room.startsWith(this.options.followedRoomPrefix) || this.options.followedRooms.includes(room);
  }

  private heard(message: string): void {
    const [uid, room] = message.split('\n', 2);
    if (uid === this.local?.uid) return;
    if (room !== undefined) {
      this.noticed.set(room, Date.now());
      return;
    }
    this.announcementsHeard++;
    // What was counted while alone (or before the newcomer) is not trusted: everything is published till the next count.
    this.remoteRooms = undefined;
    if (this.alone) this.log.info({ peer: uid }, 'another server process joined: broadcasts go through Redis again');
    this.alone = false;
  }

  private async check(): Promise<void> {
    const now = Date.now();
    for (const [room, at] of this.noticed) if (now - at > NOTICE_GRACE_MS) this.noticed.delete(room);
    try {
      await this.countProcesses();
      if (!this.alone) await this.countRooms();
    } catch (err) {
      this.remoteRooms = undefined;
      // Redis away: keep what was known (alone keeps local delivery working; not alone publishes, which fails fast).
      this.log.debug({ err: (err as Error).message }, 'could not count the cluster processes');
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.check(), this.options.checkIntervalMs);
      this.timer.unref();
    }
  }

  private async countProcesses(): Promise<void> {
    const heardBefore = this.announcementsHeard;
    const { namespace, own } = this.local!;
    const subscribers = await this.subscribers([namespace, own]);
    const processes = subscribers.get(namespace) ?? 0;
    // Our own channel not subscribed (resubscribing after a Redis restart): the count may miss us, so it says nothing.
    const counted = (subscribers.get(own) ?? 0) > 0;
    if (!counted || heardBefore !== this.announcementsHeard) return;
    const alone = processes <= 1;
    if (alone !== this.alone) {
      this.log.info({ processes }, alone ? 'alone in the cluster: broadcasts stay in this process' : 'other server processes share Redis');
    }
    this.alone = alone;
  }

  /**
   * Which followed rooms another process has members of: those with a subscriber when this
   * process has no members, and those with two subscribers or more when it has. A room with
   * members here is counted only once they are older than an interval (its subscription is in
   * place by then); till then it is published.
   */
  private async countRooms(): Promise<void> {
    const { namespace, hasRoom } = this.local!;
    const { pub, followedRoomPrefix, followedRooms, checkIntervalMs } = this.options;
    // The sharded adapter's room channel is the namespace channel, the room, and '#'.
    const channelOf = (room: string) => `${namespace}${room}#`;
    const listed = (await pub.call('PUBSUB', 'SHARDCHANNELS', `${escapeGlob(namespace + followedRoomPrefix)}*`)) as string[];
    const counts = await this.subscribers([...listed, ...followedRooms.map(channelOf)]);
    const settled = Date.now() - checkIntervalMs;
    const remote = new Set<string>();
    const onlyHere = new Set<string>();
    for (const [channel, count] of counts) {
      const room = channel.slice(namespace.length, -1);
      if (!hasRoom(room)) {
        if (count > 0) remote.add(room);
      } else if ((this.localSince.get(room) ?? Infinity) < settled) {
        (count > 1 ? remote : onlyHere).add(room);
      }
    }
    this.remoteRooms = remote;
    this.onlyHere = onlyHere;
  }

  /** How many connections subscribe each of these sharded channels (one SHARDNUMSUB). */
  private async subscribers(channels: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (channels.length === 0) return counts;
    const answer = (await this.options.pub.call('PUBSUB', 'SHARDNUMSUB', ...channels)) as Array<string | number>;
    for (let i = 0; i < answer.length; i += 2) counts.set(String(answer[i]), Number(answer[i + 1]));
    return counts;
  }
}

/** A Redis glob pattern matching `text` literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
