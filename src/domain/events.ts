import type { DeviceTelemetry } from '../protocol/telemetry';
import type { SessionRecord } from '../state/types';
import type { Actor } from './actor';

/**
 * What the domain announces. Services publish; the transports (and other
 * services) subscribe. The emitter is created first in the composition root
 * and handed to whoever publishes or listens, so no module reaches into
 * another's internals and nothing is bound late.
 */
export interface DomainEventMap {
  /** A headset reported that it started or stopped recording. */
  'device.recording-changed': { deviceId: string; isRecording: boolean };
  /** A headset's telemetry was stored; `sessionId` is its active capture session, if any. */
  'device.telemetry': { deviceId: string; sessionId?: string; telemetry: DeviceTelemetry };
  /** A device's upload status in a capture session changed (the session as it now is). */
  'session.upload-changed': { session: SessionRecord };
  /** A headset identified on a connection (it is online). */
  'device.identified': { deviceId: string; connectionId: string };
  /** A headset's connection went away and it is now offline (not when it had already reconnected elsewhere). */
  'device.disconnected': { deviceId: string; connectionId: string };
  /** A tablet took a device's lock, or gave it up (`unlocked`: by request, or by the server after the tablet's grace period). */
  'lock.changed': { deviceId: string; tabletId: string; change: 'locked' | 'unlocked' };
  /** A capture session moved through its lifecycle (the session as it now is). */
  'session.changed': { session: SessionRecord; change: 'created' | 'started' | 'paused' | 'ended' };
  /**
   * An upload started, completed or was given up (`aborted` by its client,
   * `expired` by the sweep). `deviceId` is the headset uploading, if any.
   */
  'upload.changed': {
    uploadId: string;
    key: string;
    fileType: 'video' | 'data';
    fileSize: number;
    deviceId?: string;
    sessionId?: string;
    change: 'started' | 'completed' | 'aborted' | 'expired';
    /** The stored object's ETag, once completed. */
    etag?: string;
    /** The client's SHA-256 of the file (hex), when its start body gave one. */
    sha256?: string;
  };
  /** A recording's integrity gate reached a verdict (the recordings feature publishes it). */
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
  /** An alarm was raised, updated (repeat, re-notify), acknowledged or cleared (the alarms feature publishes it). */
  'alarm.changed': {
    alarmId: string;
    deviceId: string;
    type: string;
    severity: 'warning' | 'critical';
    change: 'raised' | 'updated' | 'acknowledged' | 'cleared';
    actor?: Actor;
    /** An `updated` that re-announces an acknowledged critical alarm still active after ALARM_RENOTIFY_MINUTES. */
    renotified?: boolean;
  };
  /**
   * A recording command changed state (the command ledger publishes it):
   * `sent`, then `confirmed`, `failed` (the headset answered otherwise or
   * went away) or `expired` (no confirmation within RECORDING_ACK_TIMEOUT_MS).
   */
  'command.changed': {
    commandId: string;
    action: 'start' | 'stop' | 'toggle' | 'start-all' | 'stop-all';
    deviceId: string;
    issuedBy: Actor;
    state: 'sent' | 'confirmed' | 'failed' | 'expired';
    reason?: string;
    /** Added by the command ledger: when it was issued and changed (equal on the first event of a command). */
    issuedAt?: Date;
    updatedAt?: Date;
    /** The start-all/stop-all or session request it is part of, and the session. */
    batchId?: string;
    sessionId?: string;
  };
  /** A tablet sent metadata to headsets it holds (tablet-sync-metadata). */
  'metadata.synced': { tabletId: string; deviceIds: string[]; bytes: number };
  /**
   * The presence check saw a device go stale, come back online, or go offline
   * without a disconnect (fleet/presence-monitor.ts), beyond the changes the
   * handlers announce. Once per cluster. Alarms and the timeline follow it.
   */
  'device.presence-changed': { deviceId: string; status: 'online' | 'stale' | 'offline'; lastSeen: Date };
}

export type DomainEventName = keyof DomainEventMap;
type Listener<E extends DomainEventName> = (event: DomainEventMap[E]) => void | Promise<void>;

export class DomainEvents {
  private readonly listeners = new Map<DomainEventName, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<E extends DomainEventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Calls every listener and resolves when all have finished. A listener's
   * failure rejects the publish (after the others ran), so the publisher
   * answers its caller with the error as it would for its own.
   *
   * Hot path (device.telemetry: three listeners, thousands of times a
   * second): listeners are called directly and only the promises they return
   * are waited for, so a synchronous listener (the alarm rules, the timeline)
   * costs a call, not a promise and an allSettled entry each.
   */
  async publish<E extends DomainEventName>(name: E, event: DomainEventMap[E]): Promise<void> {
    const set = this.listeners.get(name);
    if (!set || set.size === 0) return;
    let pending: Array<Promise<void>> | undefined;
    for (const listener of set) {
      let result: void | Promise<void>;
      try {
        result = (listener as Listener<E>)(event);
      } catch (err) {
        // Kept in its place among the others, so the first failure in subscription order is the one thrown.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrown as the listener threw it
        result = Promise.reject(err);
      }
      if (result instanceof Promise) (pending ??= []).push(result);
    }
    if (!pending) return;
    if (pending.length === 1) return pending[0];
    const results = await Promise.allSettled(pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
