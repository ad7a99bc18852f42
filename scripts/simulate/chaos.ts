import type { SimulatedHeadset } from './headset';

/** What --chaos does to the fleet, one act per interval, in turn. */
export const CHAOS_ACTS = ['drain', 'tracking', 'kill'] as const;
export type ChaosAct = (typeof CHAOS_ACTS)[number];

/**
 * Provokes the server's alarms (docs/ALARMS.md): drains a headset's battery to
 * 8 % and holds it there (battery_critical, and battery_low_recording while
 * recording), drops a recording headset's hand tracking (tracking_lost), and
 * takes a headset off the network for a while (offline_while_locked, as the
 * simulated tablets lock their headsets). Each act lasts `intervalMs * 2`, so
 * the alarm is raised and, after, cleared.
 */
export class Chaos {
  private timer?: NodeJS.Timeout;
  private turn = 0;

  constructor(
    private readonly headsets: () => SimulatedHeadset[],
    private readonly intervalMs: number,
    private readonly log?: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.act(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One act now; answers what was done, to whom. */
  act(): { act: ChaosAct; deviceId: string } | undefined {
    const online = this.headsets().filter((h) => h.online);
    if (online.length === 0) return undefined;
    const act = CHAOS_ACTS[this.turn % CHAOS_ACTS.length]!;
    // Tracking loss matters while recording: prefer a recording headset.
    const candidates = act === 'tracking' ? online.filter((h) => h.recording) : online;
    const target = (candidates.length > 0 ? candidates : online)[
      Math.floor(this.turn / CHAOS_ACTS.length) % (candidates.length || online.length)
    ]!;
    this.turn++;
    const lasting = this.intervalMs * 2;
    if (act === 'drain') target.drainBattery(0.08, lasting);
    else if (act === 'tracking') target.loseTracking(lasting);
    else target.kill(lasting);
    this.log?.(`chaos: ${act} ${target.deviceId}`);
    return { act, deviceId: target.deviceId };
  }
}
