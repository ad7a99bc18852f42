import type { Actor } from '../domain/actor';

/** What the recordings feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A recording's integrity gate reached a verdict. */
    'recording.verdict': {
      recordingId: string;
      deviceId?: string;
      sessionId?: string;
      verdict: 'pass' | 'fail';
      qaScore: number | null;
      reasons: string[];
      /** The tablet that commanded the recording, if known. */
      tabletId?: string;
      /** `incomplete`: a file never arrived (no integrity check ran); otherwise the gate's verdict. */
      state?: 'verified' | 'rejected' | 'incomplete';
      files?: Record<string, { key: string; state: string; size: number; etag?: string; sha256?: string }>;
      /**
       * Present when this notice stands for a burst: the failed verdicts of this headset held during
       * RECORDING_NOTICE_WINDOW_MS after the one announced alone. `count` counts them all; `recordingIds`
       * names the newest (at most 50). The fields above are the newest one's still failing.
       */
      summary?: { count: number; recordingIds: string[] };
    };
    /** Someone kept or discarded a recording, or changed its tags (curation). `decision` is 'keep' until someone discards. */
    'recording.reviewed': {
      recordingId: string;
      deviceId?: string;
      decision: 'keep' | 'discard';
      actor: Actor;
      tags?: Record<string, string>;
      outcome?: 'success' | 'failure';
    };
  }
}
