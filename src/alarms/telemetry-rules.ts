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
  /** The telemetry alarms this process believes open. */
  open: Set<AlarmType>;
  /** False until this process has evaluated a message of the device: on the first, every clear condition that holds is sent once. */
  seen: boolean;
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
 * touched rarely. Each decision is applied by the caller, which tells the
 * rules (`unconfirmed`) when the store did not take one, so it is sent again.
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

  /**
   * The decisions one message makes (usually none: then the shared empty
   * array, so the common case allocates nothing but what the rules compare).
   */
  evaluate(deviceId: string, t: DeviceTelemetry, now: number): readonly AlarmDecision[] {
    const s = this.state(deviceId);
    if (t.isRecording !== undefined) s.recording = t.isRecording;
    const c = this.c;
    let out: AlarmDecision[] | undefined;

    if (t.batteryLevel !== undefined) {
      const pct = Math.round(t.batteryLevel * 1000) / 10;
      const charging = t.batteryState === CHARGING;
      out = this.decide(
        s,
        out,
        now,
        'battery_low_recording',
        s.recording && !charging && pct < c.batteryLowPercent,
        charging || !s.recording || pct >= c.batteryLowClearPercent,
        pct,
        batteryLowMessage,
        0,
      );
      out = this.decide(
        s,
        out,
        now,
        'battery_critical',
        pct < c.batteryCriticalPercent,
        pct >= c.batteryCriticalClearPercent,
        pct,
        batteryMessage,
        0,
      );
    }

    if (t.storageTotalBytes !== undefined && t.storageUsedBytes !== undefined) {
      const free = Math.max(0, t.storageTotalBytes - t.storageUsedBytes);
      this.learnRate(s, t.storageUsedBytes, now);
      const freeGb = Math.round((free / GiB) * 100) / 100;
      if (s.bytesPerMs) {
        const minutes = free / s.bytesPerMs / 60_000;
        out = this.decide(
          s,
          out,
          now,
          'storage_low',
          minutes < c.storageLowMinutes,
          minutes > c.storageClearMinutes,
          freeGb,
          storageMinutesMessage,
          minutes,
        );
      } else {
        out = this.decide(
          s,
          out,
          now,
          'storage_low',
          free < c.storageFallbackBytes,
          free > c.storageFallbackBytes * 1.5,
          freeGb,
          storageMessage,
          0,
        );
      }
    }

    if (t.cpuTemperature !== undefined || t.gpuTemperature !== undefined) {
      const temp = Math.max(t.cpuTemperature ?? -Infinity, t.gpuTemperature ?? -Infinity);
      out = this.decide(s, out, now, 'overheating', temp >= c.temperatureC, temp <= c.temperatureClearC, temp, temperatureMessage, 0);
    }

    if (t.leftHandTracked !== undefined || t.rightHandTracked !== undefined) {
      const lost = s.recording && t.leftHandTracked === false && t.rightHandTracked === false;
      if (lost) s.lostSince ??= now;
      else s.lostSince = undefined;
      const lostMs = s.lostSince === undefined ? 0 : now - s.lostSince;
      out = this.decide(
        s,
        out,
        now,
        'tracking_lost',
        lost && lostMs >= c.trackingLostMs,
        !lost,
        lostSeconds(lostMs),
        trackingMessage,
        lostMs,
      );
    }
    // From now on this process knows which side of each band the headset is on (see `open`).
    s.seen = true;
    return out ?? NO_DECISIONS;
  }

  /**
   * The store did not confirm a decision this process sent (Redis away, the
   * alarm queue full). A clear puts the alarm back as open here, so the next
   * message whose clear condition holds sends the clear again, rather than
   * only when the condition recurs; a raise is forgotten, so the next message
   * still over the threshold raises it again (the store raises it once).
   */
  unconfirmed(deviceId: string, decision: AlarmDecision): void {
    const s = this.devices.get(deviceId);
    // A headset that went away has no view here: its first message on return clears whatever holds.
    if (!s) return;
    if (decision.action === 'clear') s.open.add(decision.type);
    else s.sent?.delete(decision.type);
  }

  /** Timers between messages: hands lost long enough raise tracking_lost without waiting for the next message. */
  tick(now: number): Array<{ deviceId: string; decision: AlarmDecision }> {
    const out: Array<{ deviceId: string; decision: AlarmDecision }> = [];
    for (const [deviceId, s] of this.devices) {
      if (s.lostSince === undefined || !s.recording || s.open.has('tracking_lost')) continue;
      const lostMs = now - s.lostSince;
      if (lostMs < this.c.trackingLostMs) continue;
      s.open.add('tracking_lost');
      (s.sent ??= new Map<AlarmType, { value: number | null; at: number }>()).set('tracking_lost', { value: lostSeconds(lostMs), at: now });
      out.push({
        deviceId,
        decision: { type: 'tracking_lost', action: 'raise', value: lostSeconds(lostMs), message: trackingMessage(0, lostMs) },
      });
    }
    return out;
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
    if (!s) this.devices.set(deviceId, (s = { recording: false, open: new Set(), seen: false }));
    return s;
  }

  /**
   * One rule's band: raise (or repeat) when `raise` holds, clear when `clear`
   * holds and the alarm is open here (or this process has not seen the headset
   * yet). Appends to `out`, creating it only for a decision; the message is
   * made only then too, from `value` and `extra`.
   */
  private decide(
    s: DeviceRuleState,
    out: AlarmDecision[] | undefined,
    now: number,
    type: AlarmType,
    raise: boolean,
    clear: boolean,
    value: number,
    message: (value: number, extra: number) => string,
    extra: number,
  ): AlarmDecision[] | undefined {
    if (raise) {
      const sent = (s.sent ??= new Map<AlarmType, { value: number | null; at: number }>());
      const last = sent.get(type);
      const moved = last !== undefined && last.value !== null && Math.abs(value - last.value) >= (REPEAT_STEP[type] ?? Infinity);
      if (last && s.open.has(type) && !moved && now - last.at < REPEAT_INTERVAL_MS) return out;
      s.open.add(type);
      sent.set(type, { value, at: now });
      (out ??= []).push({ type, action: 'raise', value, message: message(value, extra) });
    } else if (clear && (!s.seen || s.open.has(type))) {
      s.open.delete(type);
      s.sent?.delete(type);
      (out ??= []).push({ type, action: 'clear' });
    }
    return out;
  }

  private clearIfOpen(s: DeviceRuleState, types: AlarmType[]): AlarmDecision[] {
    const out: AlarmDecision[] = [];
    for (const type of types) {
      if (s.open.has(type)) {
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
const trackingMessage = (_seconds: number, ms: number) => `neither hand tracked for ${lostSeconds(ms)} s while recording`;
const batteryLowMessage = (pct: number) => `battery at ${pct} % while recording`;
const batteryMessage = (pct: number) => `battery at ${pct} %`;
const storageMinutesMessage = (freeGb: number, minutes: number) =>
  `storage for about ${Math.round(minutes * 10) / 10} minutes of recording (${freeGb} GB free)`;
const storageMessage = (freeGb: number) => `${freeGb} GB of storage free`;
const temperatureMessage = (temp: number) => `running at ${temp} °C`;
/** What most messages decide: nothing (shared, never written to). */
const NO_DECISIONS: readonly AlarmDecision[] = Object.freeze([]);
