import type { RecordingStart } from '../domain/clock';
import type { DeviceTelemetry } from '../protocol';

/** What the fleet announces: headsets coming, going and reporting (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A headset reported that it started or stopped recording; a start says when (server time) and how it went. */
    'device.recording-changed': { deviceId: string; isRecording: boolean; start?: RecordingStart };
    /** A headset's telemetry was stored; `sessionId` is its active capture session, if any. */
    'device.telemetry': { deviceId: string; sessionId?: string; telemetry: DeviceTelemetry };
    /** A headset identified on a connection (it is online). */
    'device.identified': { deviceId: string; connectionId: string };
    /** A headset's connection went away and it is now offline (not when it had already reconnected elsewhere). */
    'device.disconnected': { deviceId: string; connectionId: string };
    /**
     * The presence check saw a device go stale, come back online, or go offline
     * without a disconnect (fleet/presence-monitor.ts), beyond the changes the
     * handlers announce. Once per cluster. Alarms and the timeline follow it.
     */
    'device.presence-changed': { deviceId: string; status: 'online' | 'stale' | 'offline'; lastSeen: Date };
  }
}
