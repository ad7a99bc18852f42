import type { DeviceTelemetry } from '../../src/protocol';
import { clamp, Random } from './random';

const GiB = 1024 ** 3;
/**
 * A normal day is quiet (issue 35): operators put a headset on its charger at 30 % (above the
 * server's 20 % low-battery alarm), temperatures settle where a Quest does (about 38 °C recording,
 * 35 °C idle) and hands are lost only briefly. Faults (a battery held low, hands lost for seconds,
 * a headset killed) come from --chaos (chaos.ts) and nowhere else.
 */
const CHARGE_AT = 0.3;
const TEMP_RECORDING_C = 38;
const TEMP_IDLE_C = 35;
/** What a minute of recording adds to storage (video + arrays), roughly a Quest 3 capture. */
const RECORDING_BYTES_PER_SECOND = 1.2 * 1024 * 1024;

/**
 * One headset's telemetry, drifting as a real one does: the battery drains
 * (faster while recording) and recharges when low, storage fills while
 * recording, Wi-Fi and tracking wander. Every value stays inside the ranges the
 * server's telemetry schema accepts (src/fleet/telemetry.ts).
 */
export class TelemetryDrift {
  private battery: number;
  private charging = false;
  private storageUsed: number;
  private wifi: number;
  private confidence: number;
  private left = true;
  private right = true;
  private body = true;
  private cpuTemp: number;
  private productiveSeconds = 0;
  /** Chaos (--chaos): no charging until then, and hands lost until then (epoch ms). */
  private holdLowUntil = 0;
  private handsLostUntil = 0;

  constructor(
    private readonly deviceId: string,
    private readonly appVersion: string,
    private readonly random: Random,
    /** Idle drain per second (doubled while recording); about 3 % a minute by default, faster than real so a demo moves. */
    private readonly drainPerSecond = 0.0005,
    private readonly storageTotal = 128 * GiB,
  ) {
    this.battery = random.between(0.45, 1);
    this.storageUsed = random.between(0.2, 0.6) * storageTotal;
    this.wifi = random.between(-70, -40);
    this.confidence = random.between(0.8, 0.95);
    this.cpuTemp = random.between(34, 40);
  }

  /** Chaos: the battery drops to `level` and does not charge for `holdMs`. */
  drain(level: number, holdMs: number): void {
    this.battery = level;
    this.charging = false;
    this.holdLowUntil = Date.now() + holdMs;
  }

  /** Chaos: neither hand is tracked for `ms`. */
  loseTracking(ms: number): void {
    this.handsLostUntil = Date.now() + ms;
  }

  /** Advances by `seconds` and answers the telemetry message to send. */
  step(seconds: number, recording: { active: boolean; frames: number; sessionSeconds: number }): DeviceTelemetry {
    const r = this.random;
    if (this.charging) {
      this.battery += Math.max(0.01, 5 * this.drainPerSecond) * seconds;
      if (this.battery >= 0.97) this.charging = false;
    } else {
      this.battery -= (recording.active ? 2 : 1) * this.drainPerSecond * seconds * r.between(0.5, 1.5);
      if (this.battery <= CHARGE_AT && Date.now() >= this.holdLowUntil) this.charging = true;
    }
    this.battery = clamp(this.battery, 0, 1);
    if (recording.active) {
      this.storageUsed = Math.min(this.storageTotal, this.storageUsed + RECORDING_BYTES_PER_SECOND * seconds);
      this.productiveSeconds += seconds;
    }
    this.wifi = clamp(this.wifi + r.between(-2, 2), -90, -30);
    this.confidence = clamp(this.confidence + r.between(-0.03, 0.03) + (0.88 - this.confidence) * 0.1, 0, 1);
    // A hand leaves the view now and then and comes back within a second or two.
    this.left = this.left ? !r.chance(0.02) : r.chance(0.6);
    this.right = this.right ? !r.chance(0.02) : r.chance(0.6);
    if (r.chance(0.05)) this.body = !this.body || r.chance(0.5);
    const handsLost = Date.now() < this.handsLostUntil;
    // Settles towards where a working headset sits (warmer while recording), with a little noise: no runaway heat.
    const settle = (recording.active ? TEMP_RECORDING_C : TEMP_IDLE_C) - this.cpuTemp;
    this.cpuTemp = clamp(this.cpuTemp + settle * 0.05 * seconds + r.between(-0.3, 0.3), 30, 80);
    return {
      deviceId: this.deviceId,
      deviceName: 'Quest 3 (simulated)',
      timestamp: Date.now(),
      batteryLevel: round(this.battery, 3),
      // The spec's coding: 1 charging, 2 discharging, 4 full.
      batteryState: this.charging ? 1 : this.battery >= 0.99 ? 4 : 2,
      storageUsedBytes: Math.round(this.storageUsed),
      storageTotalBytes: this.storageTotal,
      wifiSignalLevel: Math.round(this.wifi),
      wifiSSID: 'capture-lab',
      appVersion: this.appVersion,
      osVersion: 'SQ3A.220605.009.A1',
      sdkVersion: '68.0',
      leftHandTracked: this.left && !handsLost,
      rightHandTracked: this.right && !handsLost,
      bodyTracked: this.body,
      trackingConfidence: round(this.confidence, 3),
      isRecording: recording.active,
      sessionDuration: Math.round(recording.sessionSeconds),
      productiveTime: Math.round(this.productiveSeconds),
      frameCount: recording.frames,
      droppedFrames: 0,
      cpuTemperature: round(this.cpuTemp, 1),
      gpuTemperature: round(this.cpuTemp + 3, 1),
      memoryUsedMB: Math.round(r.between(2600, 3400)),
      memoryTotalMB: 8192,
    };
  }
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
