import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import type { Store } from '../state';
import {
  RECORDINGS_PREFIX,
  RECORDING_FILE_NAMES,
  extensionOf,
  isRecordingFolder,
  parseRecordingKey,
  recordingFolderPrefix,
} from '../domain/layout';
import type { ObjectStorage, StoredObject } from '../storage';
import { analyseNpz } from './analyse';
import { MemoryBudget } from './memory-budget';
import { mapLimit } from './map-limit';
import { scoreNpz, type NpzScore } from './qa-score';
import { cachedScoreSchema, ISSUE_THRESHOLD, type QaMetrics, type QaSession } from './qa-types';
import { registerQaGauges, type QaGauges } from './qa-gauges';

export interface QaServiceDeps {
  storage: ObjectStorage;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  config: Config['quality'];
}

/** Bump when scoring changes, so results cached by an older version are re-read. */
const SCORING_VERSION = 2;

/** One recording folder's files; the spec's QAMetrics calls it a session. */
interface FolderFiles {
  recordingFolder: string;
  /** From the folder name, for recordings whose NPZ carries no capture date. */
  folderIsoTime?: string;
  npz?: StoredObject;
  hasMp4: boolean;
}

/**
 * QA of every recording folder: lists sessions/, scores each session_data.npz
 * (cached by ETag in the store, so only new or changed files are read), with
 * at most `concurrency` files read at once.
 */
export class QaService {
  /** Analyses under way, so two requests arriving together read a file once. */
  private readonly inFlight = new Map<string, Promise<NpzScore>>();
  private readonly log: Logger;
  private readonly gauges: QaGauges;
  /** One budget for every analysis this process runs, whichever request asked for it. */
  private readonly budget: MemoryBudget;

  constructor(private readonly deps: QaServiceDeps) {
    this.budget = new MemoryBudget(deps.config.memoryBudgetBytes);
    this.log = deps.logger.child({ component: 'qa' });
    this.gauges = registerQaGauges(deps.metrics.registry);
  }

  async all(): Promise<QaMetrics> {
    const folders = await this.listFolders(RECORDINGS_PREFIX);
    const scored = await mapLimit(folders, this.deps.config.concurrency, (f) => this.scoreFolder(f));
    scored.sort((a, b) => (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0));
    const result: QaMetrics = {
      overview: {
        totalSessions: scored.length,
        completeSessions: scored.filter((s) => s.status === 'complete').length,
        lastUpdated: new Date().toISOString(),
      },
      sessions: scored,
      aggregateStats: {
        avgCaptureQuality: mean(scored.map((s) => s.stages.stage2_captureQuality.score)),
        avgTrackingConfidence: mean(scored.map((s) => s.stages.stage12_trackingConfidence.score)),
        avgValidationScore: mean(scored.map((s) => s.stages.stage10_validationTests.score)),
        sessionsWithIssues: scored.filter((s) => s.overallQualityScore < ISSUE_THRESHOLD).length,
      },
    };
    this.gauges.report(scored.length, result.aggregateStats, mean(scored.map((s) => s.overallQualityScore)));
    return result;
  }

  /** One recording folder's QA, or null when it has no files. The folder name must be validated by the caller. */
  async one(recordingFolder: string): Promise<QaSession | null> {
    const [folder] = await this.listFolders(recordingFolderPrefix(recordingFolder));
    return folder ? this.scoreFolder(folder) : null;
  }

  private async listFolders(prefix: string): Promise<FolderFiles[]> {
    const folders = new Map<string, FolderFiles>();
    for await (const object of this.deps.storage.listObjects(prefix)) {
      const parts = parseRecordingKey(object.key);
      // Only folders this server writes (the spec's form or a recordingId): the route takes those alone, so the list offers nothing it cannot open.
      if (!parts || !isRecordingFolder(parts.recordingFolder)) continue;
      let folder = folders.get(parts.recordingFolder);
      if (!folder) {
        folder = { recordingFolder: parts.recordingFolder, folderIsoTime: parts.folderIsoTime, hasMp4: false };
        folders.set(parts.recordingFolder, folder);
      }
      if (parts.file === RECORDING_FILE_NAMES.data) folder.npz = object;
      if (extensionOf(parts.file) === 'mp4') folder.hasMp4 = true;
    }
    return [...folders.values()];
  }

  private async scoreFolder(folder: FolderFiles): Promise<QaSession> {
    const score = folder.npz
      ? await this.scoreFile(folder.npz)
      : scoreNpz({ unreadable: `no ${RECORDING_FILE_NAMES.data} in this session` }, this.scoreOptions());
    // The metadata facts serve the recordings' cross-checks; the spec's QAMetrics has no place for them.
    const { captureDate, metadata: _metadata, ...rest } = score;
    return {
      sessionId: folder.recordingFolder,
      captureDate: captureDate ?? folder.folderIsoTime ?? '',
      status: folder.npz && folder.hasMp4 ? 'complete' : 'incomplete',
      ...rest,
    };
  }

  private async scoreFile(object: StoredObject): Promise<NpzScore> {
    const cacheKey = object.etag ? `v${SCORING_VERSION}:${this.deps.config.lowConfidence}:${object.etag}` : undefined;
    if (cacheKey) {
      const cached = await this.readCache(cacheKey);
      if (cached) return cached;
      const running = this.inFlight.get(cacheKey);
      if (running) return running;
    }
    const work = this.analyse(object, cacheKey);
    if (!cacheKey) return work;
    this.inFlight.set(cacheKey, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(cacheKey);
    }
  }

  private async analyse(object: StoredObject, cacheKey: string | undefined): Promise<NpzScore> {
    const { score, cacheable } = await analyseNpz(() => this.deps.storage.readObject(object.key), {
      maxNpzBytes: this.deps.config.maxNpzBytes,
      lowConfidence: this.deps.config.lowConfidence,
      maxCompressionRatio: this.deps.config.maxCompressionRatio,
      budget: this.budget,
    });
    if (!cacheable) this.log.warn({ key: object.key }, 'could not read NPZ from storage; scored as failing, not cached');
    if (cacheable && cacheKey) {
      // A store that is down costs a re-read next time, never the answer.
      await this.deps.store.qaResults.save(cacheKey, score).catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'could not cache a QA result');
      });
    }
    return score;
  }

  private async readCache(cacheKey: string): Promise<NpzScore | undefined> {
    try {
      const parsed = cachedScoreSchema.safeParse(await this.deps.store.qaResults.get(cacheKey));
      return parsed.success ? parsed.data : undefined;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read the QA cache; reading the file');
      return undefined;
    }
  }

  private scoreOptions() {
    return { lowConfidence: this.deps.config.lowConfidence, now: new Date() };
  }
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
