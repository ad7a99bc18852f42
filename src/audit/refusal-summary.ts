import type { TimelineEntryInput } from '../state/types';

/** An actor's refusals are counted in windows of this length. */
export const REFUSAL_WINDOW_MS = 60_000;
/** Actors this process tracks windows for at most (the oldest window is summarized and forgotten first). */
const MAX_TRACKED_ACTORS = 10_000;
/** Entry kinds a summary names at most; the rest count as `other`. */
const MAX_KINDS = 20;

interface Window {
  actor: NonNullable<TimelineEntryInput['actor']>;
  startedAt: number;
  written: number;
  held: number;
  kinds: Map<string, number>;
}

export interface RefusalSummaryOptions {
  /** Refused entries one actor writes per window; the rest are held for the summary. */
  perWindow: number;
  /** Where entries go (the timeline writer). */
  write: (entry: TimelineEntryInput) => void;
  /** Counts each entry held for a summary. */
  onHeld?: () => void;
  now?: () => number;
}

/**
 * Refused actions (entries whose outcome is `denied` or `failed`) of one actor are
 * written up to `perWindow` a minute; past that they are counted and written as one
 * `audit.refusals-summarized` entry when the minute ends (or the server stops), with
 * how many and of which kinds. So a token refused 12,000 times in 17 s writes a few
 * dozen entries, not 12,000. Accepted actions are written as they come: the audit
 * store's per-actor cap bounds those.
 */
export class RefusalSummary {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: RefusalSummaryOptions) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => this.flush(false), REFUSAL_WINDOW_MS / 4);
    this.timer.unref();
  }

  record(entry: TimelineEntryInput): void {
    const actor = entry.actor;
    if (!actor || (entry.outcome !== 'denied' && entry.outcome !== 'failed')) return this.options.write(entry);
    const key = `${actor.kind}:${actor.id}`;
    const t = this.now();
    let window = this.windows.get(key);
    if (window && t - window.startedAt >= REFUSAL_WINDOW_MS) {
      this.summarize(window);
      this.windows.delete(key);
      window = undefined;
    }
    if (!window) {
      if (this.windows.size >= MAX_TRACKED_ACTORS) this.forgetOldest();
      window = { actor, startedAt: t, written: 0, held: 0, kinds: new Map() };
      this.windows.set(key, window);
    }
    if (window.written < this.options.perWindow) {
      window.written++;
      return this.options.write(entry);
    }
    window.held++;
    const kind = window.kinds.has(entry.kind) || window.kinds.size < MAX_KINDS ? entry.kind : 'other';
    window.kinds.set(kind, (window.kinds.get(kind) ?? 0) + 1);
    this.options.onHeld?.();
  }

  /** Writes the summaries of ended windows (all of them when `all`: the server stops, or a test reads). */
  flush(all = true): void {
    const t = this.now();
    for (const [key, window] of this.windows) {
      if (!all && t - window.startedAt < REFUSAL_WINDOW_MS) continue;
      this.summarize(window);
      this.windows.delete(key);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush(true);
  }

  private forgetOldest(): void {
    const [key, window] = this.windows.entries().next().value!;
    this.summarize(window);
    this.windows.delete(key);
  }

  private summarize(window: Window): void {
    if (window.held === 0) return;
    const kinds = [...window.kinds].map(([kind, n]) => `${kind}: ${n}`).join('; ');
    this.options.write({
      at: new Date(this.now()),
      kind: 'audit.refusals-summarized',
      deviceIds: [],
      actor: window.actor,
      outcome: 'denied',
      details: { count: window.held, since: new Date(window.startedAt).toISOString(), kinds },
    });
  }
}
