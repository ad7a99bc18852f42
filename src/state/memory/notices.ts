import type { HeldNotices, NoticeOffer, NoticeWindowStore } from '../notice-types';

interface Window {
  until: number;
  windowMs: number;
  count: number;
  items: string[];
}

/** Notice windows in this process; no await between read and write, so each call is atomic. */
export class MemoryNoticeWindowStore implements NoticeWindowStore {
  /** Scope -> key -> window. */
  private readonly scopes = new Map<string, Map<string, Window>>();

  async offer(scope: string, key: string, item: string, at: Date, windowMs: number, maxItems: number): Promise<NoticeOffer> {
    const windows = this.scopes.get(scope) ?? new Map<string, Window>();
    this.scopes.set(scope, windows);
    const window = windows.get(key);
    if (!window || (window.until <= at.getTime() && window.count === 0)) {
      windows.set(key, { until: at.getTime() + windowMs, windowMs, count: 0, items: [] });
      return 'announce';
    }
    window.count++;
    window.items.push(item);
    if (window.items.length > maxItems) window.items.splice(0, window.items.length - maxItems);
    return 'held';
  }

  async takeDue(scope: string, now: Date, limit: number): Promise<HeldNotices[]> {
    const taken: HeldNotices[] = [];
    for (const [key, window] of this.scopes.get(scope) ?? []) {
      if (taken.length >= limit) break;
      if (window.count === 0 || window.until > now.getTime()) continue;
      taken.push({ key, count: window.count, items: window.items });
      Object.assign(window, { count: 0, items: [], until: now.getTime() + window.windowMs });
    }
    return taken;
  }

  /** Windows that ended holding nothing are forgotten. */
  purgeExpired(now = Date.now()): void {
    for (const windows of this.scopes.values()) {
      for (const [key, w] of windows) if (w.count === 0 && w.until <= now) windows.delete(key);
    }
  }
}
