import type { AlarmConfig } from '../config';
import type { DeviceTelemetry } from '../protocol/telemetry';
import type { AlarmDecision, AlarmType } from './alarm-types';

/** The spec's batteryState: 1 = charging. */
const CHARGING = 1;
/** A write rate is learnt from samples at least this far apart while recording. */
const MIN_RATE_SAMPLE_MS = 5_000;
const GiB = 1024 ** 3;
/** An open alarm whose condition still holds is repeated (lastSeenAt, count, value) this often at most... */
const REPEAT_INTERVAL_MS = 60_000;
/** ...or sooner when its value moved by this much (percent, GB, degrees; tracking repeats on time only). */
const REPEAT_STEP: Partial<Record<AlarmType, number>> = { battery_low_recording: 1, battery_critical: 1, storage_low: 0.5, overheating: 1 };

/** Telemetry rule types, the ones this module decides. */
const TELEMETRY_TYPES = ['battery_low_recording', 'battery_critical', 'storage_low', 'overheating', 'tracking_lost'] as const;

/**
 * What this process knows of one headset between telemetry messages: which
 * telemetry alarms it believes open (hysteresis needs to know which side of the
 * band it is on), when both hands were first seen lost, and the storage write rate.
 */
interface DeviceRuleState {
  /** undefined until this process has seen the device: then every clear condition that holds is sent once. */
  open?: Set<AlarmType>;
  recording: boolean;
  lostSince?: number;
  /** Storage used and when, at the last rate sample; bytes per ms learnt while recording. */
  sample?: { used: number; at: number };
  bytesPerMs?: number;
  /** The value and time last sent for each open alarm, for repeats. */
  sent?: Map<AlarmType, { value: number | null; at: number }>;
}

/**
 * Rule evaluation per telemetry message: synchronous arithmetic over the
 * message and the device's state in this process, no I/O. Returns only
 * transitions (and repeats of open alarms whose value moved), so the store is
 * touched rarely. Each decision is applied by the caller; `confirm` tells the
 * rules what the store answered when it differs from what they assumed.
 */
export class TelemetryRules {
  private readonly devices = new Map<string, DeviceRuleState>();

  constructor(private readonly c: AlarmConfig) {}

  /** The headset reported recording started or stopped (device.recording-changed). */
  recordingChanged(deviceId: string, isRecording: boolean): AlarmDecision[] {
    // A headset that stopped (or went away) and that this process never saw needs no state here.
    if (!isRecording && !this.devices.has(deviceId)) return [];
    const s = this.state(deviceId);
    s.recording = isRecording;
    if (isRecording) return [];
    s.lostSince = undefined;
    s.sample = undefined;
    return this.clearIfOpen(s, ['battery_low_recording', 'tracking_lost']);
  }

  evaluate(deviceId: string, t: DeviceTelemetry, now: number): AlarmDecision[] {
    const s = this.state(deviceId);
    if (t.isRecording !== undefined) s.recording = t.isRecording;
    const out: AlarmDecision[] = [];
    const firstLook = s.open === undefined;
    const open = (s.open ??= new Set());
    const sent = (s.sent ??= new Map<AlarmType, { value: number | null; at: number }>());
    // The message is built only for a decision that is sent (rarely), not on every message.
    const decide = (type: AlarmType, raise: boolean, clear: boolean, value: number | null, message: () => string) => {
      if (raise) {
        const last = sent.get(type);
        const moved = last && value !== null && last.value !== null && Math.abs(value - last.value) >= (REPEAT_STEP[type] ?? Infinity);
        if (!open.has(type) || !last || moved || now - last.at >= REPEAT_INTERVAL_MS) {
          open.add(type);
          sent.set(type, { value, at: now });
          out.push({ type, action: 'raise', value, message: message() });
        }
      } else if (clear && (open.has(type) || firstLook)) {
        open.delete(type);
        sent.delete(type);
        out.push({ type, action: 'clear' });
      }
    };

    if (t.batteryLevel !== undefined) {
      const pct = Math.round(t.batteryLevel * 1000) / 10;
      const charging = t.batteryState === CHARGING;
      decide(
        'battery_low_recording',
        s.recording && !charging && pct < this.c.batteryLowPercent,
        charging || !s.recording || pct >= this.c.batteryLowClearPercent,
        pct,
        () => `battery at ${pct} % while recording`,
      );
      decide(
        'battery_critical',
        pct < this.c.batteryCriticalPercent,
        pct >= this.c.batteryCriticalClearPercent,
        pct,
        () => `battery at ${pct} %`,
      );
    }

    if (t.storageTotalBytes !== undefined && t.storageUsedBytes !== undefined) {
      const free = Math.max(0, t.storageTotalBytes - t.storageUsedBytes);
      this.learnRate(s, t.storageUsedBytes, now);
      const freeGb = Math.round((free / GiB) * 100) / 100;
      if (s.bytesPerMs) {
        const minutes = free / s.bytesPerMs / 60_000;
        decide(
          'storage_low',
          minutes < this.c.storageLowMinutes,
          minutes > this.c.storageClearMinutes,
          freeGb,
          () => `storage for about ${Math.round(minutes * 10) / 10} minutes of recording (${freeGb} GB free)`,
        );
      } else {
        decide(
          'storage_low',
          free < this.c.storageFallbackBytes,
          free > this.c.storageFallbackBytes * 1.5,
          freeGb,
          () => `${freeGb} GB of storage free`,
        );
      }
    }

    if (t.cpuTemperature !== undefined || t.gpuTemperature !== undefined) {
      const temp = Math.max(t.cpuTemperature ?? -Infinity, t.gpuTemperature ?? -Infinity);
      decide('overheating', temp >= this.c.temperatureC, temp <= this.c.temperatureClearC, temp, () => `running at ${temp} °C`);
    }

    if (t.leftHandTracked !== undefined || t.rightHandTracked !== undefined) {
      const lost = s.recording && t.leftHandTracked === false && t.rightHandTracked === false;
      if (lost) s.lostSince ??= now;
      else s.lostSince = undefined;
      const lostMs = s.lostSince === undefined ? 0 : now - s.lostSince;
      decide('tracking_lost', lost && lostMs >= this.c.trackingLostMs, !lost, lostSeconds(lostMs), () => trackingMessage(lostMs));
    }
    return out;
  }

  /** Timers between messages: hands lost long enough raise tracking_lost without waiting for the next message. */
  tick(now: number): Array<{ deviceId: string; decision: AlarmDecision }> {
    const out: Array<{ deviceId: string; decision: AlarmDecision }> = [];
    for (const [deviceId, s] of this.devices) {
      if (s.lostSince === undefined || !s.recording || s.open?.has('tracking_lost')) continue;
      const lostMs = now - s.lostSince;
      if (lostMs < this.c.trackingLostMs) continue;
      (s.open ??= new Set()).add('tracking_lost');
      (s.sent ??= new Map<AlarmType, { value: number | null; at: number }>()).set('tracking_lost', { value: lostSeconds(lostMs), at: now });
      out.push({
        deviceId,
        decision: { type: 'tracking_lost', action: 'raise', value: lostSeconds(lostMs), message: trackingMessage(lostMs) },
      });
    }
    return out;
  }

  /** The store said an alarm this process thought open was cleared elsewhere (acknowledged-and-cleared, another process). */
  forget(deviceId: string, type: AlarmType): void {
    const s = this.devices.get(deviceId);
    s?.open?.delete(type);
    s?.sent?.delete(type);
  }

  /** The headset went away: its state here is dropped, so the map stays the size of the connected fleet. */
  deviceGone(deviceId: string): void {
    this.devices.delete(deviceId);
  }

  get size(): number {
    return this.devices.size;
  }

  private state(deviceId: string): DeviceRuleState {
    let s = this.devices.get(deviceId);
    if (!s) this.devices.set(deviceId, (s = { recording: false }));
    return s;
  }

  private clearIfOpen(s: DeviceRuleState, types: AlarmType[]): AlarmDecision[] {
    const out: AlarmDecision[] = [];
    for (const type of types) {
      if (s.open?.has(type)) {
        s.open.delete(type);
        s.sent?.delete(type);
        out.push({ type, action: 'clear' });
      }
    }
    return out;
  }

  /** Storage growth while recording, averaged (new samples weigh a third), gives minutes of recording left. */
  private learnRate(s: DeviceRuleState, used: number, now: number): void {
    if (!s.recording) {
      s.sample = undefined;
      return;
    }
    if (!s.sample) {
      s.sample = { used, at: now };
      return;
    }
    const dt = now - s.sample.at;
    if (dt < MIN_RATE_SAMPLE_MS) return;
    const grown = used - s.sample.used;
    s.sample = { used, at: now };
    if (grown <= 0) return;
    const rate = grown / dt;
    s.bytesPerMs = s.bytesPerMs === undefined ? rate : (2 * s.bytesPerMs + rate) / 3;
  }
}

export const TELEMETRY_ALARM_TYPES: readonly AlarmType[] = TELEMETRY_TYPES;
const lostSeconds = (ms: number) => Math.round(ms / 100) / 10;
const trackingMessage = (ms: number) => `neither hand tracked for ${lostSeconds(ms)} s while recording`;
