import { PREVIEW_RATES } from '../protocol/client-events';

/**
 * Which preview rates a headset's frame goes to (dashboard-watch-preview):
 * per headset and rate, the time the next frame is due, so each rate's room
 * gets at most `fps` frames a second of the one stream the headset sends.
 * The headset's side is unchanged: however many viewers at whatever rates,
 * it sends its stream once and the relay handles each frame once.
 * Memory: one small array per headset with a stream, freed with it.
 */
export class PreviewRates {
  private readonly nextDue = new Map<string, number[]>();

  constructor(private readonly rates: readonly number[] = PREVIEW_RATES) {}

  /** The rates a frame of this headset arriving `now` (ms) goes to; each one's next frame is then due an interval later. */
  due(deviceId: string, now: number): number[] {
    let next = this.nextDue.get(deviceId);
    if (!next) {
      next = this.rates.map(() => Number.NEGATIVE_INFINITY);
      this.nextDue.set(deviceId, next);
    }
    const out: number[] = [];
    this.rates.forEach((fps, i) => {
      const due = next[i]!;
      if (now < due) return;
      const interval = 1000 / fps;
      // A steady stream keeps the average rate (due + interval); after a pause the schedule restarts from now.
      next[i] = now - due > interval ? now + interval : due + interval;
      out.push(fps);
    });
    return out;
  }

  forget(deviceId: string): void {
    this.nextDue.delete(deviceId);
  }

  get size(): number {
    return this.nextDue.size;
  }
}
