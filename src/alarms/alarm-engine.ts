import type { Logger } from 'pino';
import type { AlarmConfig } from '../config';
import type { DomainEvents } from '../domain/events';
import type { DeviceService } from '../fleet';
import type { LockService } from '../locks';
import type { Store } from '../state/types';
import type { ObjectStorage } from '../storage/types';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import type { AlarmService } from './alarm-service';
import type { AlarmDecision } from './alarm-types';
import { TelemetryRules } from './telemetry-rules';
import { UploadStallWatch } from './upload-stall';

export interface AlarmEngineDeps {
  config: AlarmConfig;
  events: DomainEvents;
  alarms: AlarmService;
  devices: DeviceService;
  locks: LockService;
  store: Store;
  storage: ObjectStorage;
  logger: Logger;
  lease: TaskLease;
}

/**
 * Turns what the domain announces into alarm decisions. Every listener
 * returns at once: rules are evaluated synchronously from state in this
 * process, and the store work they decide runs on the alarm service's
 * per-device queues, so a telemetry write is never slowed or failed by alarms.
 */
export class AlarmEngine {
  readonly rules: TelemetryRules;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly tasks: PeriodicTask[];

  constructor(private readonly d: AlarmEngineDeps) {
    const { events, alarms, config } = d;
    this.rules = new TelemetryRules(config);
    /** A telemetry decision the store did not take is sent again by the rules at the device's next message. */
    const retry = (deviceId: string) => (decision: AlarmDecision) => this.rules.unconfirmed(deviceId, decision);
    /** Runs a decision function, counting (never throwing) what fails in it. */
    const guard =
      <T>(operation: string, fn: (event: T) => void | Promise<void>) =>
      (event: T): void => {
        try {
          const result = fn(event);
          if (result instanceof Promise) result.catch((err: unknown) => alarms.failed(operation, err));
        } catch (err) {
          alarms.failed(operation, err);
        }
      };

    this.unsubscribe.push(
      events.on(
        'device.telemetry',
        guard('telemetry', ({ deviceId, telemetry }) => {
          const decisions = this.rules.evaluate(deviceId, telemetry, Date.now());
          if (decisions.length > 0) alarms.apply(deviceId, decisions, retry(deviceId));
        }),
      ),
      events.on(
        'device.recording-changed',
        guard('recording', ({ deviceId, isRecording }) =>
          alarms.apply(deviceId, this.rules.recordingChanged(deviceId, isRecording), retry(deviceId)),
        ),
      ),
      events.on(
        'device.identified',
        guard('presence', ({ deviceId }) => alarms.apply(deviceId, [{ type: 'offline_while_locked', action: 'clear' }])),
      ),
      events.on(
        'device.disconnected',
        guard('presence', async ({ deviceId }) => {
          this.rules.deviceGone(deviceId);
          await this.offlineIfLocked(deviceId, 'went offline');
        }),
      ),
      events.on(
        'device.presence-changed',
        guard('presence', async ({ deviceId, status }) => {
          if (status === 'online') alarms.apply(deviceId, [{ type: 'offline_while_locked', action: 'clear' }]);
          else await this.offlineIfLocked(deviceId, status === 'stale' ? 'stopped reporting (stale)' : 'went offline');
        }),
      ),
      events.on(
        'lock.changed',
        guard('lock', async ({ deviceId, change }) => {
          if (change === 'unlocked') return alarms.apply(deviceId, [{ type: 'offline_while_locked', action: 'clear' }]);
          const record = await d.devices.snapshot(deviceId);
          const status = record ? d.devices.presenceOf(record.record) : 'offline';
          if (status !== 'online') this.raiseOffline(deviceId, status === 'stale' ? 'locked while stale' : 'locked while offline');
        }),
      ),
      events.on(
        'upload.changed',
        guard('upload', ({ deviceId, change }) => {
          if (deviceId && change !== 'started') alarms.apply(deviceId, [{ type: 'upload_stalled', action: 'clear' }]);
        }),
      ),
      events.on(
        'recording.verdict',
        guard('verdict', ({ deviceId, recordingId, verdict, qaScore, reasons, summary }) => {
          if (!deviceId || verdict !== 'fail') return;
          const why = reasons.length > 0 ? `: ${reasons.slice(0, 5).join('; ')}` : '';
          // A summary of a burst stands for many recordings: one repeat of the alarm says how many.
          const what = summary
            ? `${summary.count} more recordings failed verification, the latest ${recordingId}`
            : `recording ${recordingId} failed verification`;
          alarms.apply(deviceId, [{ type: 'recording_rejected', action: 'raise', value: qaScore, message: `${what}${why}` }]);
        }),
      ),
      events.on(
        'command.changed',
        guard('command', ({ deviceId, state, action, commandId }) => {
          if (state === 'expired') {
            alarms.apply(deviceId, [
              {
                type: 'command_unconfirmed',
                action: 'raise',
                value: null,
                message: `${action} command ${commandId} was not confirmed by the headset`,
              },
            ]);
          } else if (state === 'confirmed') alarms.apply(deviceId, [{ type: 'command_unconfirmed', action: 'clear' }]);
        }),
      ),
    );

    // Timers between messages (tracking lost), in this process: the headset's telemetry arrives here.
    this.timer = setInterval(
      guard('tick', () => {
        for (const { deviceId, decision } of this.rules.tick(Date.now())) alarms.apply(deviceId, [decision], retry(deviceId));
      }),
      config.checkIntervalMs,
    );
    this.timer.unref();
    const stalls = new UploadStallWatch({ store: d.store, storage: d.storage, alarms, stalledMs: config.uploadStalledMs });
    this.tasks = [
      new PeriodicTask(
        'alarm-renotify',
        Math.max(config.checkIntervalMs, Math.min(30_000, Math.floor(config.renotifyMs / 4))),
        async () => void (await alarms.renotifyDue(config.renotifyMs)),
        d.logger,
        d.lease,
      ).start(),
      new PeriodicTask('alarm-upload-stall', config.uploadCheckIntervalMs, () => stalls.check(), d.logger, d.lease).start(),
    ];
  }

  stop(): void {
    clearInterval(this.timer);
    for (const task of this.tasks) task.stop();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private async offlineIfLocked(deviceId: string, what: string): Promise<void> {
    const holder = await this.d.locks.holderOf(deviceId);
    if (holder) this.raiseOffline(deviceId, `${what} while locked by ${holder}`);
  }

  private raiseOffline(deviceId: string, message: string): void {
    this.d.alarms.apply(deviceId, [{ type: 'offline_while_locked', action: 'raise', value: null, message: `headset ${message}` }]);
  }
}
