import { ask, connectDevice, connected, pause, type DeviceSocket } from './socket';
import type { FleetStats } from './stats';
import type { DeviceToken } from './device-token';
import { referenceNow } from './device-clock';

/** A session step met with 'store unavailable' is tried this many times, this far apart. */
const STEP_ATTEMPTS = 10;
const STEP_RETRY_MS = 1_000;

/** How long the first session waits for all of the tablet's headsets to come online. */
const FIRST_SESSION_WAIT_MS = 15_000;

export interface TabletOptions {
  baseUrl: string;
  deviceId: string;
  /** Replaced by a fresh one when the server refuses it (a restart with new secrets). */
  token: DeviceToken;
  /** The headsets this tablet locks and records; other tablets get the rest. */
  headsetIds: readonly string[];
  /** Recording time per session, split in two by a short pause. */
  sessionSeconds: number;
  /** Idle time between sessions, while the headsets upload. */
  gapSeconds: number;
  stats: FleetStats;
  /** Whether it runs capture sessions in a loop (default true); without, it only does what it is asked (startAllAt). */
  sessions?: boolean;
}

/** A synchronized start as the tablet sent it: the server's answer and the planned start (server epoch ms). */
export interface SynchronizedStart {
  startAt: number;
  answer: Awaited<ReturnType<typeof ask>>;
}

/**
 * One simulated operator tablet: locks its headsets as they come online and
 * runs capture sessions in a loop (create, start, pause, resume, end). Stopping
 * ends the running session, so its headsets upload, and releases the locks.
 */
export class SimulatedTablet {
  readonly deviceId: string;
  private socket?: DeviceSocket;
  private readonly online = new Set<string>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private activeSessionId?: string;
  private participant = 0;

  constructor(private readonly options: TabletOptions) {
    this.deviceId = options.deviceId;
  }

  async start(): Promise<void> {
    const socket = connectDevice(this.options.baseUrl, this.options.token, (m) => this.options.stats.error(`${this.deviceId}: ${m}`));
    this.socket = socket;
    const { stats } = this.options;
    socket.on('connect', () => stats.tabletsOnline++);
    socket.on('disconnect', () => stats.tabletsOnline--);
    socket.on('on-headsets-updated', (ids) => {
      this.online.clear();
      for (const id of ids) this.online.add(id);
    });
    await connected(socket);
    if (this.options.sessions === false) return;
    this.loop = this.run().catch((err: Error) => stats.error(`${this.deviceId}: ${err.message}`));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    const socket = this.socket;
    if (socket?.connected) {
      if (this.activeSessionId && (await this.step('tablet-end-session', this.activeSessionId))) this.options.stats.sessionsEnded++;
      await ask(socket, 'tablet-unlock-all-devices').catch(() => undefined);
    }
    socket?.disconnect();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const { sessionSeconds, gapSeconds, stats } = this.options;
    await this.endLeftoverSession();
    // The first session waits (a little) for the whole group, as an operator would, instead of starting with the first headset up.
    const waitUntil = Date.now() + FIRST_SESSION_WAIT_MS;
    while (!signal.aborted && Date.now() < waitUntil && this.options.headsetIds.some((id) => !this.online.has(id)))
      await pause(500, signal);
    while (!signal.aborted) {
      const held = await this.lockAvailable();
      if (held.length === 0) {
        await pause(1_000, signal);
        continue;
      }
      const created = await this.step('tablet-create-session', {
        deviceIds: held,
        metadata: { participant: `P${++this.participant}`, task: 'pick-and-place', simulated: true },
      });
      if (!created) {
        await pause(2_000, signal);
        continue;
      }
      const sessionId = String(created.sessionId);
      this.activeSessionId = sessionId;
      if (await this.step('tablet-start-session', sessionId)) stats.sessionsStarted++;
      await pause((sessionSeconds * 1000) / 2, signal);
      if (signal.aborted) break;
      await this.step('tablet-pause-session', sessionId);
      await pause(1_500, signal);
      if (signal.aborted) break;
      await this.step('tablet-start-session', sessionId);
      await pause((sessionSeconds * 1000) / 2, signal);
      if (signal.aborted) break;
      if (await this.step('tablet-end-session', sessionId)) stats.sessionsEnded++;
      this.activeSessionId = undefined;
      await pause(gapSeconds * 1000, signal);
    }
    // stop() ends a session the loop left running.
  }

  /**
   * The server's clock now, as a tablet app learns it: `server-time`, read at
   * the middle of the round trip (docs/CLOCK.md), carried to now.
   */
  async serverTime(): Promise<number> {
    if (!this.socket) throw new Error(`${this.deviceId} is not started`);
    const sentAt = referenceNow();
    const answer = await ask(this.socket, 'server-time');
    const receivedAt = referenceNow();
    if (!answer.ok || typeof answer.serverTime !== 'number') throw new Error(`${this.deviceId} server-time: ${answer.error}`);
    return answer.serverTime + (referenceNow() - (sentAt + receivedAt) / 2);
  }

  /**
   * A synchronized start of every headset this tablet holds: startAt is the
   * server's clock plus `leadMs` (at least the server's CLOCK_MIN_LEAD_MS), and
   * each headset starts then by its own clock.
   */
  async startAllAt(leadMs: number, commandId?: string): Promise<SynchronizedStart> {
    if (!this.socket) throw new Error(`${this.deviceId} is not started`);
    const startAt = Math.round((await this.serverTime()) + leadMs);
    const answer = await ask(this.socket, 'tablet-start-all-recording', { startAt, ...(commandId ? { commandId } : {}) });
    return { startAt, answer };
  }

  /** Locks the tablet's headsets that are online; answers those it holds. */
  lock(): Promise<string[]> {
    return this.lockAvailable();
  }

  /** A session of the headsets it holds, not started (a synchronized start then records in it); its ID. */
  async openSession(deviceIds: readonly string[]): Promise<string | undefined> {
    const created = await this.step('tablet-create-session', { deviceIds, metadata: { simulated: true } });
    return created ? String(created.sessionId) : undefined;
  }

  /** A session left running by an earlier run of this tablet (the server keeps it) would block creating one. */
  private async endLeftoverSession(): Promise<void> {
    if (!this.socket) return;
    const answer = await ask(this.socket, 'tablet-get-active-session').catch(() => undefined);
    const session = answer?.session as { sessionId?: string } | null | undefined;
    if (session?.sessionId) await this.step('tablet-end-session', session.sessionId);
  }

  /** Locks this tablet's online headsets (locking again refreshes a lock it holds); answers those held. */
  private async lockAvailable(): Promise<string[]> {
    const wanted = this.options.headsetIds.filter((id) => this.online.has(id));
    if (wanted.length === 0 || !this.socket) return [];
    const answer = await ask(this.socket, 'tablet-lock-devices', wanted).catch(() => undefined);
    return Array.isArray(answer?.locked) ? (answer.locked as string[]) : [];
  }

  /**
   * One session step; a refusal is counted, not thrown, and the loop goes on.
   * While the server's store is briefly unavailable (Redis restarting) the step
   * is tried again, as a tablet app should: a session left running because one
   * end-session met a Redis restart would hold its headsets until it expires.
   */
  private async step(
    event: 'tablet-create-session' | 'tablet-start-session' | 'tablet-pause-session' | 'tablet-end-session',
    payload: unknown,
  ) {
    for (let attempt = 1; this.socket; attempt++) {
      try {
        const answer = await ask(this.socket, event, payload);
        if (answer.ok) return answer;
        if (answer.code === 'store_unavailable' && attempt < STEP_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, STEP_RETRY_MS));
          continue;
        }
        this.options.stats.error(`${this.deviceId} ${event}: ${answer.code}: ${answer.error}`);
      } catch (err) {
        this.options.stats.error(`${this.deviceId} ${event}: ${(err as Error).message}`);
      }
      return undefined;
    }
    return undefined;
  }
}
