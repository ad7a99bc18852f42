import { FrameBank } from './jpeg';
import { SimulatedHeadset } from './headset';
import { adminTokenMinter, type MintToken } from './http';
import { DeviceToken } from './device-token';
import { FleetStats } from './stats';
import { SimulatedTablet } from './tablet';
import { TimestampAllocator } from './timestamps';
import { Chaos } from './chaos';
import { CLOCK_DEFAULTS, randomClockProfile, type ClockOptions } from './device-clock';
import { Random } from './random';

export interface FleetOptions {
  /** The server, e.g. http://localhost:3200. */
  url: string;
  headsets: number;
  tablets: number;
  /** Admin key to mint device tokens with (POST /auth/device-token). */
  apiKey?: string;
  /** Or any other way to get a token (tests and benchmarks can sign directly). */
  mintToken?: MintToken;
  /** Preview frames per headset per second (default 30; 0 sends none). */
  fps?: number;
  telemetryIntervalMs?: number;
  /** Whether tablets run capture sessions in a loop (default true); without, they wait to be driven (SimulatedTablet.startAllAt). */
  tabletSessions?: boolean;
  /** Recording time of each session (default 20 s). */
  sessionSeconds?: number;
  /** Pause between sessions (default 5 s). */
  gapSeconds?: number;
  /** Size of each placeholder recording.mp4 when ffmpeg is not there to make a real one (default 2 MiB). */
  videoBytes?: number;
  /**
   * Share of recordings deliberately broken (default 0.2): a short video, a
   * truncated file, or hands out of frame, in turn; the rest pass the integrity gate.
   */
  brokenShare?: number;
  /** Battery drain per second while idle (default 0.0005, 3 % a minute). */
  batteryDrainPerSecond?: number;
  /** Device IDs are {prefix}_H01… and {prefix}_T1… (default SIM). */
  idPrefix?: string;
  /** Makes telemetry and clocks reproducible. */
  seed?: number;
  /** The headsets' clocks and links (CLOCK_DEFAULTS: up to ±2 s off, ±50 ppm, 2-20 ms added to a round trip). */
  clock?: Partial<ClockOptions>;
  /** Provoke alarms (--chaos): drain batteries, drop tracking, kill headsets, one act per interval. */
  chaos?: boolean;
  /** Time between chaos acts (default 20 s). */
  chaosIntervalMs?: number;
  /** Told about waits and problems worth a line of output. */
  log?: (message: string) => void;
  /** Told of every object whose upload completed. */
  onUploaded?: (object: { key: string; size: number }) => void;
}

export const FLEET_DEFAULTS = {
  batteryDrainPerSecond: 0.0005,
  fps: 30,
  telemetryIntervalMs: 1_000,
  sessionSeconds: 20,
  gapSeconds: 5,
  videoBytes: 2 * 1024 * 1024,
  brokenShare: 0.2,
  idPrefix: 'SIM',
  chaos: false,
  chaosIntervalMs: 20_000,
  clock: CLOCK_DEFAULTS,
  tabletSessions: true,
};

/**
 * A fleet of simulated headsets and tablets against one server. Tablets get
 * their tokens first, so sessions start while a large fleet's remaining
 * headsets still wait for the token rate limit.
 */
export class SimulatedFleet {
  readonly stats = new FleetStats();
  readonly headsets: SimulatedHeadset[] = [];
  readonly tablets: SimulatedTablet[] = [];
  readonly headsetIds: string[];
  readonly tabletIds: string[];
  private readonly options: Required<Omit<FleetOptions, 'apiKey' | 'mintToken' | 'seed' | 'log' | 'onUploaded' | 'clock'>> &
    Pick<FleetOptions, 'seed' | 'log' | 'onUploaded'> & { clock: ClockOptions };
  private readonly mint: MintToken;
  private readonly frames = new FrameBank();
  private readonly timestamps = new TimestampAllocator();
  private readonly abort = new AbortController();
  private readonly chaos?: Chaos;

  constructor(options: FleetOptions) {
    this.options = { ...FLEET_DEFAULTS, ...options, clock: { ...CLOCK_DEFAULTS, ...options.clock } };
    const log = options.log;
    if (options.mintToken) this.mint = options.mintToken;
    else if (options.apiKey) {
      this.mint = adminTokenMinter(
        options.url,
        options.apiKey,
        (s) => log?.(`token rate limit reached; waiting ${s} s for the next tokens`),
        this.abort.signal,
      );
    } else throw new Error('an admin API key (or a mintToken function) is needed to provision device tokens');
    const { idPrefix, headsets, tablets } = this.options;
    const width = String(headsets).length < 2 ? 2 : String(headsets).length;
    this.headsetIds = Array.from({ length: headsets }, (_, i) => `${idPrefix}_H${String(i + 1).padStart(width, '0')}`);
    this.tabletIds = Array.from({ length: tablets }, (_, i) => `${idPrefix}_T${i + 1}`);
    if (this.options.chaos) this.chaos = new Chaos(() => this.headsets, this.options.chaosIntervalMs, log);
  }

  /** Provisions and connects every device; resolves when all are started (or the fleet was stopped meanwhile). */
  async start(): Promise<void> {
    const o = this.options;
    for (const [i, deviceId] of this.tabletIds.entries()) {
      const token = await this.token(deviceId, 'tablet');
      if (token === undefined) return;
      const tablet = new SimulatedTablet({
        baseUrl: o.url,
        deviceId,
        token,
        headsetIds: this.headsetIds.filter((_, h) => h % this.tabletIds.length === i),
        sessionSeconds: o.sessionSeconds,
        gapSeconds: o.gapSeconds,
        stats: this.stats,
        sessions: o.tabletSessions,
      });
      this.tablets.push(tablet);
      await tablet.start();
    }
    const clocks = new Random(o.seed === undefined ? undefined : o.seed + 0xc10c);
    for (const [i, deviceId] of this.headsetIds.entries()) {
      const clock = randomClockProfile(clocks, o.clock);
      const token = await this.token(deviceId, 'headset');
      if (token === undefined) return;
      const headset = new SimulatedHeadset({
        baseUrl: o.url,
        deviceId,
        token,
        index: i,
        fps: o.fps,
        telemetryIntervalMs: o.telemetryIntervalMs,
        videoBytes: o.videoBytes,
        brokenShare: o.brokenShare,
        batteryDrainPerSecond: o.batteryDrainPerSecond,
        frames: this.frames,
        timestamps: this.timestamps,
        stats: this.stats,
        seed: o.seed === undefined ? undefined : o.seed + i,
        clock,
        onUploaded: o.onUploaded,
      });
      this.headsets.push(headset);
      await headset.start();
    }
    this.chaos?.start();
  }

  /** A device's token; undefined once the fleet is stopping (a stop during a rate-limit wait is not an error). */
  private async token(deviceId: string, type: 'headset' | 'tablet'): Promise<DeviceToken | undefined> {
    if (this.abort.signal.aborted) return undefined;
    try {
      const mint = () => this.mint(deviceId, type);
      const token = new DeviceToken(await mint(), mint);
      return this.abort.signal.aborted ? undefined : token;
    } catch (err) {
      if (this.abort.signal.aborted) return undefined;
      throw err;
    }
  }

  /**
   * Tablets end their sessions first (so headsets upload what they recorded),
   * then headsets finish their uploads (at most `uploadGraceMs`) and disconnect.
   */
  async stop(uploadGraceMs = 15_000): Promise<void> {
    this.abort.abort();
    this.chaos?.stop();
    await Promise.all(this.tablets.map((t) => t.stop()));
    await Promise.all(this.headsets.map((h) => h.stop(uploadGraceMs)));
  }
}
