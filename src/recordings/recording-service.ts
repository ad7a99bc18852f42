import type { Logger } from 'pino';
import type { RecordingStart } from '../domain/clock';
import type { Config } from '../config';
import { ADMIN_ACTOR, type Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import type { DomainEventMap, DomainEvents } from '../domain/events';
import { folderIsoTime, parseRecordingId, recordingIdOfKey, type RecordingFileType } from '../domain/layout';
import type { RecordingQuery, RecordingRecord, RecordingSummary, Store } from '../state';
import type { ObjectStorage } from '../storage';
import { analyseNpz, MemoryBudget } from '../quality';
import type { RecordingMetrics } from './recording-gauges';
import type { ReviewRequest } from './schemas';
import { VerificationDeferred, verifyRecording } from './verifier';
import { entry, headset, SYSTEM, withHistory } from './history';
import { assertMayCurate, reviewed } from './review';
import { Limiter } from './limiter';
import { RecordingSweep, type SweepResult } from './recording-sweep';
import { VerdictNotice } from './verdict-notice';
import { fileAfter, timestampOf } from './record-changes';
import type { RecordQuota } from './record-quota';

export interface RecordingServiceDeps {
  store: Store;
  storage: ObjectStorage;
  events: DomainEvents;
  logger: Logger;
  metrics: RecordingMetrics;
  config: Config['recordings'];
  quality: Config['quality'];
  /** This process in the cluster: it owns the verification claims it takes. */
  instanceId: string;
  /** The cap on a headset's records awaiting files. */
  quota: RecordQuota;
  now?: () => number;
}

/**
 * A verification claim lasts this long unless renewed (every third of it); a dead process's claim
 * lapses and the sweep resumes it. Below the sweep lease's takeover (at most 40 s, see PeriodicTask),
 * so the process that takes the sweep over after a SIGKILL finds the claim lapsed on its first run.
 */
export const VERIFY_CLAIM_MS = 30_000;
/** How far a headset's folder timestamp may be from the start the server saw and still be that recording. */
const ADOPT_WINDOW_MS = 10 * 60_000;

/**
 * The recording records: created when a headset starts recording, moved on
 * by its uploads, verified by the integrity gate once both files are in, and
 * curated by people. Driven by domain events; publishes recording.verdict and
 * recording.reviewed.
 */
export class RecordingService {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly limiter: Limiter;
  private readonly budget: MemoryBudget;
  /** Verifications this process is running, so a second trigger does not start another. */
  private readonly running = new Map<string, Promise<void>>();
  /** Verdict notices, coalesced per headset; its flush announces the summaries of bursts. */
  readonly notice: VerdictNotice;
  private readonly sweeper: RecordingSweep;
  private stopped = false;

  constructor(private readonly d: RecordingServiceDeps) {
    this.log = d.logger.child({ component: 'recordings' });
    this.now = d.now ?? Date.now;
    this.limiter = new Limiter(d.config.verifyConcurrency);
    this.budget = new MemoryBudget(d.quality.memoryBudgetBytes);
    this.notice = new VerdictNotice({ ...d, log: this.log, windowMs: d.config.noticeWindowMs, now: this.now });
    this.sweeper = new RecordingSweep({
      store: d.store,
      storage: d.storage,
      log: this.log,
      config: d.config,
      notice: this.notice,
      now: this.now,
      verify: (id) => this.verify(id),
    });
    // The records follow what happened; a store failure here is logged, never answered to the headset or uploader.
    const quietly = (what: string, work: Promise<void>) =>
      work.catch((err: unknown) => this.log.error({ err: (err as Error).message }, `could not update a recording record on ${what}`));
    d.events.on('device.recording-changed', ({ deviceId, isRecording, start }) =>
      quietly('a recording start or stop', this.recordingChanged(deviceId, isRecording, start)),
    );
    d.events.on('upload.changed', (event) => quietly('an upload change', this.uploadChanged(event)));
  }

  async get(recordingId: string): Promise<RecordingRecord> {
    const record = await this.d.store.recordings.get(recordingId);
    if (!record) throw new DomainError('not_found', `no recording ${recordingId}`);
    return record;
  }

  list(query: RecordingQuery) {
    return this.d.store.recordings.list(query);
  }

  /** A headset started or stopped recording: the record is opened with what the server knows now. */
  async recordingChanged(deviceId: string, isRecording: boolean, start?: RecordingStart): Promise<void> {
    const at = new Date(this.now());
    if (isRecording) {
      const recordingId = `${timestampOf(at)}_${deviceId}`;
      const context = await this.contextOf(deviceId);
      if (await this.resumeStopped(deviceId, context.sessionId, at)) return;
      if (!(await this.d.quota.mayOpen(deviceId))) return;
      await this.d.store.recordings.update(recordingId, (current) => ({
        next: current
          ? null
          : {
              ...this.fresh(recordingId, deviceId, at, context),
              startedAt: at,
              ...(start ? { start } : {}),
              history: [entry(at, headset(deviceId), 'recording started')],
            },
        result: undefined,
      }));
      return;
    }
    const [latest] = (await this.d.store.recordings.list({ deviceId, limit: 1 })).recordings;
    if (!latest || latest.state !== 'recording' || latest.stoppedAt) return;
    await this.d.store.recordings.update(latest.recordingId, (current) =>
      current?.state === 'recording' && !current.stoppedAt
        ? {
            next: withHistory({ ...current, stoppedAt: at, updatedAt: at }, entry(at, headset(deviceId), 'recording stopped')),
            result: undefined,
          }
        : { next: null, result: undefined },
    );
  }

  /**
   * A headset that pauses and resumes within one session writes one capture: its
   * stopped record that has no file yet is continued, not left behind for the
   * sweep to call incomplete (and to overwrite the headset's verdict in the
   * session) while the upload adopts only a second, newer record.
   */
  private async resumeStopped(deviceId: string, sessionId: string | undefined, at: Date): Promise<boolean> {
    if (!sessionId) return false;
    const [latest] = (await this.d.store.recordings.list({ deviceId, limit: 1 })).recordings;
    const resumable = (r: RecordingSummary | null | undefined): r is RecordingSummary =>
      !!r && r.sessionId === sessionId && r.state === 'recording' && !!r.stoppedAt && Object.keys(r.files).length === 0;
    if (!resumable(latest)) return false;
    return this.d.store.recordings.update(latest.recordingId, (current) => {
      if (!resumable(current)) return { next: null, result: false };
      const { stoppedAt: _stopped, ...rest } = current;
      return { next: withHistory({ ...rest, updatedAt: at }, entry(at, headset(deviceId), 'recording resumed')), result: true };
    });
  }

  /** An upload to a recording folder started, completed or was given up. */
  async uploadChanged(event: DomainEventMap['upload.changed']): Promise<void> {
    const parsed = recordingIdOfKey(event.key);
    if (!parsed) return; // the spec's folders (no device) are not recordings with a record
    const { recordingId, fileType } = parsed;
    const { deviceId } = parseRecordingId(recordingId)!; // recordingIdOfKey answers only well-formed IDs
    const at = new Date(this.now());
    const adopted = await this.adoptProvisional(recordingId, deviceId);
    const context = adopted ? undefined : await this.contextOf(deviceId, event.sessionId);
    const becameReady = await this.d.store.recordings.update(recordingId, (current) => {
      let record = current ?? adopted ?? this.fresh(recordingId, deviceId, at, context!);
      if (!current && adopted) record = { ...adopted, recordingId, files: {} };
      if (!record.sessionId && event.sessionId) record = { ...record, sessionId: event.sessionId };
      const file = fileAfter(record, fileType, event, at);
      const files = { ...record.files, [fileType]: file };
      let state = record.state;
      let verification = record.verification;
      if (event.change === 'started') {
        state = 'uploading';
        verification = undefined; // a new upload replaces a file: its old verdict no longer holds
      }
      const ready = files.video?.state === 'complete' && files.data?.state === 'complete';
      if (event.change === 'completed' && ready && state !== 'verified' && state !== 'rejected') state = 'verifying';
      if (event.change === 'completed' && !ready && state === 'incomplete') state = 'uploading';
      const next: RecordingRecord = withHistory(
        { ...record, files, state, updatedAt: at, ...(verification ? { verification } : { verification: undefined }) },
        entry(at, event.deviceId ? headset(event.deviceId) : ADMIN_ACTOR, `${fileType} upload ${event.change}`, {
          key: event.key,
          size: event.fileSize,
        }),
      );
      if (!next.verification) delete next.verification;
      return { next, result: state === 'verifying' && record.state !== 'verifying' };
    });
    if (adopted) await this.d.store.recordings.remove(adopted.recordingId);
    // Off the uploader's path: its complete answers now, the verdict follows within seconds.
    if (becameReady) void this.verify(recordingId);
  }

  /**
   * Runs the integrity gate on a recording in state verifying, if no live
   * process has claimed it (an atomic claim in the store, renewed while the
   * work runs, so exactly one process of the cluster verifies it).
   */
  verify(recordingId: string): Promise<void> {
    const already = this.running.get(recordingId);
    if (already) return already;
    const work = this.claimAndVerify(recordingId)
      .catch((err: unknown) => this.log.error({ err, recordingId }, 'verification failed; the sweep retries it'))
      .finally(() => this.running.delete(recordingId));
    this.running.set(recordingId, work);
    return work;
  }

  /** Waits for the verifications this process is running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  stop(): void {
    this.stopped = true;
  }

  private async claimAndVerify(recordingId: string): Promise<void> {
    const owner = this.d.instanceId;
    const claimed = await this.d.store.recordings.update(recordingId, (current) => {
      const now = this.now();
      if (!current || current.state !== 'verifying') return { next: null, result: null };
      if (current.verifyClaim && current.verifyClaim.until.getTime() > now && current.verifyClaim.owner !== owner)
        return { next: null, result: null };
      return { next: { ...current, verifyClaim: { owner, until: new Date(now + VERIFY_CLAIM_MS) } }, result: current };
    });
    if (!claimed) return;
    await this.limiter.run(async () => {
      if (this.stopped) return;
      const renew = setInterval(() => void this.renewClaim(recordingId), VERIFY_CLAIM_MS / 3);
      renew.unref();
      const started = this.now();
      try {
        const result = await verifyRecording(claimed, {
          storage: this.d.storage,
          thresholds: this.d.config,
          analyseNpz: (open) =>
            analyseNpz(open, {
              maxNpzBytes: this.d.quality.maxNpzBytes,
              lowConfidence: this.d.quality.lowConfidence,
              maxCompressionRatio: this.d.quality.maxCompressionRatio,
              budget: this.budget,
            }),
        });
        await this.concluded(claimed, result.verification, result.sha256, (this.now() - started) / 1000);
      } catch (err) {
        if (!(err instanceof VerificationDeferred)) throw err;
        this.log.warn({ recordingId, reason: err.message }, 'verification deferred; the sweep retries it');
        await this.d.store.recordings.update(recordingId, (c) =>
          c?.verifyClaim?.owner === owner
            ? { next: { ...c, verifyClaim: undefined }, result: undefined }
            : { next: null, result: undefined },
        );
      } finally {
        clearInterval(renew);
      }
    });
  }

  private async renewClaim(recordingId: string): Promise<void> {
    await this.d.store.recordings
      .update(recordingId, (c) =>
        c?.state === 'verifying' && c.verifyClaim?.owner === this.d.instanceId
          ? { next: { ...c, verifyClaim: { owner: this.d.instanceId, until: new Date(this.now() + VERIFY_CLAIM_MS) } }, result: undefined }
          : { next: null, result: undefined },
      )
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message, recordingId }, 'could not renew a verification claim'));
  }

  private async concluded(
    verified: RecordingRecord,
    verification: NonNullable<RecordingRecord['verification']>,
    sha256: { video: string; data: string },
    seconds: number,
  ): Promise<void> {
    const at = new Date(this.now());
    const record = await this.d.store.recordings.update(verified.recordingId, (current) => {
      // A file replaced while we read (a new upload) makes this verdict stale: that upload's completion verifies again.
      const same = (t: RecordingFileType) => current?.files[t]?.etag === verified.files[t]?.etag;
      if (!current || current.state !== 'verifying' || current.verifyClaim?.owner !== this.d.instanceId || !same('video') || !same('data'))
        return { next: null, result: null };
      const files = {
        video: { ...current.files.video!, sha256: sha256.video },
        data: { ...current.files.data!, sha256: sha256.data },
      };
      const appVersion = current.appVersion ?? verification.npz?.appVersion;
      const next = withHistory(
        {
          ...current,
          ...(appVersion ? { appVersion } : {}),
          files,
          verification,
          state: verification.verdict === 'pass' ? ('verified' as const) : ('rejected' as const),
          verifyClaim: undefined,
          updatedAt: at,
        },
        entry(at, SYSTEM, `verdict ${verification.verdict}`, { qaScore: verification.qaScore, reasons: verification.reasons }),
      );
      delete next.verifyClaim;
      return { next, result: next };
    });
    if (!record) return;
    this.d.metrics.verificationSeconds.observe({ verdict: verification.verdict }, seconds);
    this.log.info(
      { recordingId: record.recordingId, verdict: verification.verdict, reasons: verification.reasons.length },
      'recording verified',
    );
    if (record.state === 'verified') await this.notice.writeManifest(record);
    await this.notice.announce(record, verification.verdict, verification.qaScore, verification.reasons);
  }

  /**
   * Curation by a tablet or an operator; every change is kept with who made it.
   * A tablet curates only takes it has a part in (see mayCurate); an operator any.
   */
  async review(recordingId: string, req: ReviewRequest, actor: Actor): Promise<RecordingRecord> {
    if (actor.kind === 'tablet') await assertMayCurate(this.d.store, recordingId, actor.id);
    const at = new Date(this.now());
    const record = await this.d.store.recordings.update(recordingId, (current) => {
      if (!current) throw new DomainError('not_found', `no recording ${recordingId}`);
      const stored = reviewed(current, req, actor, at);
      return { next: stored, result: stored };
    });
    if (record.state === 'verified') await this.notice.writeManifest(record);
    await this.d.events
      .publish('recording.reviewed', {
        recordingId,
        deviceId: record.deviceId,
        decision: record.decision ?? 'keep',
        actor,
        tags: record.tags,
        ...(record.outcome ? { outcome: record.outcome } : {}),
      })
      .catch((err: unknown) => this.log.error({ err, recordingId }, 'a listener failed on a recording review'));
    // What was written is the answer: no second read of it.
    return record;
  }

  /** The periodic job (under a lease): see RecordingSweep. */
  sweep(): Promise<SweepResult> {
    return this.sweeper.run();
  }

  /**
   * A record opened at recording start is named by the server's clock; the
   * headset names its folder by its own. The first upload of a folder the
   * store does not know takes over the device's newest file-less record
   * started within ADOPT_WINDOW_MS of the folder's time.
   */
  private async adoptProvisional(recordingId: string, deviceId: string): Promise<RecordingRecord | undefined> {
    if (await this.d.store.recordings.get(recordingId)) return undefined;
    const [latest] = (await this.d.store.recordings.list({ deviceId, limit: 1 })).recordings;
    const folderTime = Date.parse(folderIsoTime(recordingId) ?? '');
    if (!latest || latest.recordingId === recordingId || Object.keys(latest.files).length > 0) return undefined;
    if (latest.state !== 'recording' && latest.state !== 'incomplete') return undefined;
    if (!latest.startedAt || Math.abs(latest.startedAt.getTime() - folderTime) > ADOPT_WINDOW_MS) return undefined;
    // The list has no history; the adopted record keeps its own.
    return (await this.d.store.recordings.get(latest.recordingId)) ?? undefined;
  }

  private fresh(recordingId: string, deviceId: string, at: Date, context: Context): RecordingRecord {
    return { recordingId, deviceId, createdAt: at, updatedAt: at, state: 'recording', files: {}, tags: {}, history: [], ...context };
  }

  /** Who the recording belongs to: the device's session, its lock holder, its app version. Never fails the caller. */
  private async contextOf(deviceId: string, sessionId?: string): Promise<Context> {
    try {
      const [device, lock, telemetry] = await Promise.all([
        this.d.store.devices.get(deviceId),
        this.d.store.locks.get(deviceId),
        this.d.store.devices.getTelemetry(deviceId),
      ]);
      const session = sessionId ?? device?.activeSessionId;
      const appVersion = (telemetry as { appVersion?: unknown } | null)?.appVersion;
      return {
        ...(session ? { sessionId: session } : {}),
        ...(lock ? { tabletId: lock.tabletId } : {}),
        ...(typeof appVersion === 'string' ? { appVersion: appVersion.slice(0, 64) } : {}),
      };
    } catch {
      return sessionId ? { sessionId } : {};
    }
  }
}

type Context = Pick<RecordingRecord, 'sessionId' | 'tabletId' | 'appVersion'>;
