/**
 * Coalescing windows for notices (a burst of verdicts or alarms of one headset):
 * the first notice of a key goes out at once and opens a window; what comes
 * while it is open is held, counted and announced as one summary when the
 * window ends, which opens the next window. Every process may offer and take;
 * both are atomic in the store, so a cluster sends one notice per key and
 * window, and each summary is taken by one process.
 */

/** `announce`: send this notice now (a window opened); `held`: it waits for the window's summary. */
export type NoticeOffer = 'announce' | 'held';

/** What a window held when it ended: how many notices, and the latest of their items. */
export interface HeldNotices {
  key: string;
  count: number;
  /** Oldest first; at most the `maxItems` of the last offer. */
  items: string[];
}

export interface NoticeWindowStore {
  /**
   * A notice of `key` (in `scope`, e.g. 'verdicts') at `at`. With no window open and nothing
   * held, opens one lasting `windowMs` and answers `announce`; otherwise counts it, keeps `item`
   * (the newest `maxItems`) and answers `held`.
   */
  offer(scope: string, key: string, item: string, at: Date, windowMs: number, maxItems: number): Promise<NoticeOffer>;
  /**
   * Windows of `scope` that ended by `now` holding notices (at most `limit`): taken, so each by
   * one caller, and each key's next window opened from `now`, so the summary counts as its notice.
   */
  takeDue(scope: string, now: Date, limit: number): Promise<HeldNotices[]>;
}
