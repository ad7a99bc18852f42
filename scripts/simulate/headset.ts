import { answerTimeSync, scheduleStart, type PendingStart, type StartPlan } from './clock-link';
import { DeviceClock, randomClockProfile, type ClockProfile } from './device-clock';
import { buildNpz } from './npz';
import type { FrameBank } from './jpeg';
import { Random } from './random';
import { ask, connectDevice, connected, type DeviceSocket } from './socket';
import type { FleetStats } from './stats';
import type { DeviceToken } from './device-token';
import { TelemetryDrift } from './telemetry';
import type { TimestampAllocator } from './timestamps';
import { bufferSource, chunkedUpload, mp4Source } from './upload';
import { BREAKAGES, makeMp4, truncate, videoFrames, type Breakage } from './video';

/** The rate the simulated capture records at (what the NPZ holds), whatever the preview fps. */
export const CAPTURE_FPS = 30;

export interface HeadsetOptions {
  baseUrl: string;
  deviceId: string;
  /** Replaced by a fresh one when the server refuses it (a restart with new secrets). */
  token: DeviceToken;
  /** Position in the fleet: picks the frame colour and the app version. */
  index: number;
  /** Preview frames per second; 0 sends none. */
  fps: number;
  telemetryIntervalMs: number;
  /** Size of the placeholder recording.mp4 uploaded when ffmpeg cannot make a real one. */
  videoBytes: number;
  /** Share of recordings deliberately broken (see FleetOptions.brokenShare). */
  brokenShare: number;
  /** Battery drain per second while idle (see TelemetryDrift). */
  batteryDrainPerSecond?: number;
  frames: FrameBank;
  timestamps: TimestampAllocator;
  stats: FleetStats;
  seed?: number;
  /** Its clock and link (default: drawn from CLOCK_DEFAULTS): answers the server's clock measurement and honours synchronized starts. */
  clock?: ClockProfile;
  /** Told of every object whose upload completed (the soak checks each is whole). */
  onUploaded?: (object: { key: string; size: number }) => void;
}

interface Capture {
  startedAt: Date;
  recordedMs: number;
  segmentStartedAt?: number;
  sessionId?: string;
}

/**
 * One simulated Quest headset: identifies, streams telemetry and preview
 * frames, obeys the tablet's recording commands and confirms them, and after
 * each capture uploads its recording.mp4 and session_data.npz through the
 * chunked upload API, tagged with the capture session.
 */
export class SimulatedHeadset {
  readonly deviceId: string;
  /** Its own clock, off the simulator's by a known offset and drift. */
  readonly clock: DeviceClock;
  /** When it last started recording, in its own clock (what it reported). */
  lastStartedAtDeviceTime?: number;
  private socket?: DeviceSocket;
  /** A synchronized start still to come. */
  private pendingStart?: PendingStart;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly drift: TelemetryDrift;
  private readonly uploads = new Set<Promise<void>>();
  /** Captures uploaded so far: picks which ones are deliberately broken. */
  private captures = 0;
  private capture?: Capture;
  private sessionId?: string;
  private frameIndex = 0;
  private lastTelemetry = Date.now();
  private stopped = false;

  constructor(private readonly options: HeadsetOptions) {
    this.deviceId = options.deviceId;
    const appVersion = options.index % 5 === 4 ? '2.3.1' : '2.4.0';
    this.drift = new TelemetryDrift(options.deviceId, appVersion, new Random(options.seed), options.batteryDrainPerSecond);
    const clockSeed = options.seed === undefined ? undefined : options.seed + 0x5eed;
    this.clock = new DeviceClock(options.clock ?? randomClockProfile(new Random(clockSeed)), { seed: clockSeed });
  }

  get recording(): boolean {
    return this.capture?.segmentStartedAt !== undefined;
  }

  /** Connects and identifies; resolves once the server accepted the identity. */
  async start(): Promise<void> {
    const socket = connectDevice(this.options.baseUrl, this.options.token, (m) => this.options.stats.error(`${this.deviceId}: ${m}`));
    this.socket = socket;
    const { stats } = this.options;
    socket.on('connect', () => {
      stats.headsetsOnline++;
      ask(socket, 'headset-identify', this.deviceId)
        .then((answer) => {
          if (!answer.ok) stats.error(`${this.deviceId} identify: ${answer.error}`);
          else this.sendTelemetry();
        })
        .catch((err: Error) => stats.error(`${this.deviceId} identify: ${err.message}`));
    });
    socket.on('disconnect', () => stats.headsetsOnline--);
    answerTimeSync(socket, this.clock);
    // At once, or a synchronized start at its time. (Commands are not delayed: they would overtake each other.)
    socket.on('on-tablet-start-recording', (plan) => this.startAt(plan));
    socket.on('on-tablet-stop-recording', () => this.setRecording(false));
    socket.on('on-tablet-recording-toggled', () => this.setRecording(!this.recording));
    socket.on('on-session-created', ({ sessionId, deviceIds }) => {
      if (deviceIds.includes(this.deviceId)) this.sessionId = sessionId;
    });
    socket.on('on-session-ended', ({ sessionId }) => {
      if (sessionId !== this.sessionId) return;
      this.sessionId = undefined;
      // Its stop was lost on the way (a restart): a session that ended records nothing more.
      if (this.recording) this.setRecording(false);
      this.finishCapture();
    });
    await connected(socket);
    this.timers.push(setInterval(() => this.sendTelemetry(), this.options.telemetryIntervalMs));
    if (this.options.fps > 0) this.timers.push(setInterval(() => this.sendFrame(), 1000 / this.options.fps));
  }

  /** Chaos: the battery drops to `level` and stays low for `holdMs`. */
  drainBattery(level: number, holdMs: number): void {
    this.drift.drain(level, holdMs);
    this.sendTelemetry();
  }

  /** Chaos: neither hand is tracked for `ms`. */
  loseTracking(ms: number): void {
    this.drift.loseTracking(ms);
    this.sendTelemetry();
  }

  /** Chaos: the headset drops off the network for `downMs`, then comes back (identifies again). */
  kill(downMs: number): void {
    const socket = this.socket;
    if (!socket?.connected || this.stopped) return;
    socket.disconnect();
    const back = setTimeout(() => {
      if (!this.stopped) socket.connect();
    }, downMs);
    back.unref();
    this.timers.push(back);
  }

  get online(): boolean {
    return this.socket?.connected === true;
  }

  /** Stops streaming, lets running uploads finish (at most `graceMs`), disconnects. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.pendingStart?.cancel();
    if (this.recording) this.setRecording(false);
    this.finishCapture();
    const pending = Promise.allSettled([...this.uploads]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.socket?.disconnect();
  }

  /** A start command: at once, or at the plan's time in this headset's clock (a later command replaces it). */
  private startAt(plan: StartPlan): void {
    this.pendingStart?.cancel();
    this.pendingStart = scheduleStart(this.clock, plan, (startedAtDeviceTime) => {
      this.pendingStart = undefined;
      this.setRecording(true, startedAtDeviceTime);
    });
  }

  private setRecording(active: boolean, startedAtDeviceTime?: number): void {
    const socket = this.socket;
    if (!socket) return;
    this.options.stats.recordingCommands++;
    if (!active) {
      this.pendingStart?.cancel();
      this.pendingStart = undefined;
    }
    const now = Date.now();
    let started = false;
    if (active && !this.recording && !this.stopped) {
      this.capture ??= { startedAt: new Date(now), recordedMs: 0, sessionId: this.sessionId };
      this.capture.segmentStartedAt = now;
      this.lastStartedAtDeviceTime = startedAtDeviceTime ?? this.clock.now();
      started = true;
    } else if (!active && this.capture?.segmentStartedAt !== undefined) {
      this.capture.recordedMs += now - this.capture.segmentStartedAt;
      this.capture.segmentStartedAt = undefined;
    }
    // Confirm even a repeated command: the server waits for this to clear its timeout. A start says when, in this headset's clock.
    socket.emit(
      'headset-recording-state',
      started ? { isRecording: true, startedAtDeviceTime: this.lastStartedAtDeviceTime! } : this.recording,
    );
    this.sendTelemetry();
    // A recording outside a session is one capture: upload it now. In a session, pauses continue it.
    if (!active && !this.capture?.sessionId) this.finishCapture();
  }

  private finishCapture(): void {
    const capture = this.capture;
    if (!capture || capture.segmentStartedAt !== undefined) return;
    this.capture = undefined;
    if (capture.recordedMs < 500) return;
    const upload = this.upload(capture)
      .catch((err: Error) => {
        this.options.stats.uploadsFailed++;
        this.options.stats.error(`${this.deviceId} upload: ${err.message}`);
      })
      .finally(() => this.uploads.delete(upload));
    this.uploads.add(upload);
  }

  private async upload(capture: Capture): Promise<void> {
    const { baseUrl, token, stats, timestamps } = this.options;
    const durationSeconds = Math.max(1, capture.recordedMs / 1000);
    const timestamp = timestamps.allocate(capture.startedAt);
    const common = { timestamp, ...(capture.sessionId ? { sessionId: capture.sessionId } : {}) };
    const frames = Math.round(durationSeconds * CAPTURE_FPS);
    // Every 1/brokenShare-th capture is broken, cycling through the kinds, so the verdicts show both ways.
    this.captures++;
    const every = this.options.brokenShare > 0 ? Math.max(1, Math.round(1 / this.options.brokenShare)) : 0;
    const breakage: Breakage = every && this.captures % every === 0 ? BREAKAGES[(this.captures / every) % BREAKAGES.length]! : 'none';
    const mp4 = await makeMp4(videoFrames(frames, breakage), CAPTURE_FPS);
    const video = mp4 ? truncate(mp4, breakage) : undefined;
    const videoBytes = video?.length ?? this.options.videoBytes;
    const npz = await buildNpz({
      ...(breakage === 'hands-out-of-frame' ? { problemRate: 0.5 } : {}),
      frames,
      durationSeconds,
      captureDate: capture.startedAt,
      deviceId: this.deviceId,
      appVersion: '2.4.0',
      seed: capture.startedAt.getTime(),
    });
    const credential = { token: token.value };
    let retried = false;
    const uploaded = await chunkedUpload(baseUrl, credential, {
      ...common,
      fileType: 'video',
      size: videoBytes,
      source: video ? bufferSource(video) : mp4Source(videoBytes),
      fileName: 'recording.mp4',
    });
    retried ||= uploaded.attempts > 1;
    stats.bytesUploaded += videoBytes;
    this.options.onUploaded?.({ key: uploaded.s3Key, size: uploaded.size });
    const data = await chunkedUpload(baseUrl, credential, {
      ...common,
      fileType: 'data',
      size: npz.length,
      source: bufferSource(npz),
      fileName: 'session_data.npz',
    });
    retried ||= data.attempts > 1;
    stats.bytesUploaded += npz.length;
    this.options.onUploaded?.({ key: data.s3Key, size: data.size });
    stats.uploadsCompleted++;
    if (retried) stats.uploadsRetried++;
  }

  private sendTelemetry(): void {
    const socket = this.socket;
    if (!socket?.connected || this.stopped) return;
    const now = Date.now();
    const capture = this.capture;
    const recordedMs = capture ? capture.recordedMs + (capture.segmentStartedAt !== undefined ? now - capture.segmentStartedAt : 0) : 0;
    const telemetry = this.drift.step((now - this.lastTelemetry) / 1000, {
      active: this.recording,
      frames: Math.round((recordedMs / 1000) * CAPTURE_FPS),
      sessionSeconds: recordedMs / 1000,
    });
    this.lastTelemetry = now;
    socket.emit('device-telemetry', telemetry);
    this.options.stats.telemetrySent++;
  }

  private sendFrame(): void {
    const socket = this.socket;
    if (!socket?.connected) return;
    const frame = this.options.frames.frame({ colour: this.options.index, index: this.frameIndex++, recording: this.recording });
    // Volatile: a preview frame that cannot go now is worthless later.
    socket.volatile.emit('headset-frame', frame);
    this.options.stats.framesSent++;
  }
}
