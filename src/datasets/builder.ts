import type { Logger } from 'pino';
import type { DomainEvents } from '../domain/events';
import type { LeaseStore } from '../state';
import { STEP_PAGE, emptyTally, stepPages, tallyStep, tallyStored, type BuildTally } from './build-progress';
import type { DatasetStore } from './dataset-store';
import { writeStep, type StepDeps } from './episode-step';
import { checkTake, type CheckedTake } from './take-check';
import { META, versionPrefix } from './layout';
import { infoJson, statsFile, writeEpisodes, writeJson, writeProvenance, writeTasks } from './meta-files';
import type { DatasetRecord } from './types';

export interface BuilderDeps extends StepDeps {
  datasets: DatasetStore;
  leases: LeaseStore;
  /** This process in the cluster. */
  owner: string;
  events: DomainEvents;
  log: Logger;
  /** A build's lease lasts this long unless renewed; a dead builder's build is resumed elsewhere after it. */
  leaseMs: number;
  now?: () => number;
}

/** Takes checked ahead of the one being written (each holds its NPZ's temp file until written). */
const CHECK_AHEAD = 2;

/** Build runs that ended in an error in a row before the dataset is failed. */
export const MAX_BUILD_FAILURES = 5;
/** Progress reaches dashboards at most this often per build (state changes at once). */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Runs dataset builds as jobs: each under a lease of its own (one process of
 * the cluster builds a dataset at a time, renewing the lease while it works),
 * one step per selected take, each step's result written once; a build that
 * stopped (restart, SIGKILL, a storage failure) resumes after its last stored
 * step. Then the meta files, info.json last, and the version is ready: nothing
 * writes under it again.
 */
export class DatasetBuilder {
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly lastProgress = new Map<string, number>();

  constructor(private readonly d: BuilderDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Builds (or resumes, or deletes) every unfinished dataset this process can lease, one after another. */
  runPending(): Promise<void> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve();
    this.running = (async () => {
      try {
        for (const id of await this.d.datasets.unfinished(20)) {
          if (this.stopped) return;
          await this.build(id);
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Waits for the build under way (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // The step under way finishes (a few seconds for a large take); nothing starts after it.
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }

  private async build(datasetId: string): Promise<void> {
    const lease = `dataset-build:${datasetId}`;
    if (!(await this.d.leases.tryAcquire(lease, this.d.owner, this.d.leaseMs))) return;
    let held = true;
    const renew = setInterval(() => {
      this.d.leases.tryAcquire(lease, this.d.owner, this.d.leaseMs).then(
        (ok) => (held = held && ok),
        () => (held = false),
      );
    }, this.d.leaseMs / 3);
    renew.unref();
    try {
      await this.work(datasetId, () => held && !this.stopped);
    } catch (err) {
      if (!this.stopped) await this.failedRun(datasetId, err);
    } finally {
      clearInterval(renew);
      this.lastProgress.delete(datasetId);
      await this.d.leases.release(lease, this.d.owner).catch(() => undefined);
    }
  }

  private async work(datasetId: string, alive: () => boolean): Promise<void> {
    let record = await this.d.datasets.get(datasetId);
    if (!record || record.state === 'ready' || record.state === 'failed') return;
    const prefix = versionPrefix(record.name, record.version);
    if (record.deleting) return this.remove(record);
    if (record.state === 'queued') {
      record = await this.patch(datasetId, (r) => ({ ...r, state: 'building', startedAt: new Date(this.now()) }));
      if (!record) return;
    }
    this.progress(record, true);
    const tally = record.done > 0 ? await tallyStored(this.d.datasets, datasetId, record.total, record.schema) : emptyTally(record.schema);
    const takes = new TakeList(this.d.datasets, datasetId);
    // The next takes are checked (record, hashes, NPZ read) while the current one is written.
    const checks = new Map<number, Promise<CheckedTake>>();
    const check = (position: number) => {
      if (position >= record!.total || checks.has(position)) return;
      const checked = takes.at(position).then((id) => checkTake(this.d, record!, id));
      // Awaited when its turn comes; until then a failure must not count as unhandled.
      checked.catch(() => undefined);
      checks.set(position, checked);
    };
    try {
      for (let position = tally.done; position < record.total; position++) {
        if (!alive()) return;
        for (let ahead = 0; ahead <= CHECK_AHEAD; ahead++) check(position + ahead);
        const take = await checks.get(position)!;
        checks.delete(position);
        const place = {
          prefix,
          position,
          episodeIndex: tally.episodes,
          fromIndex: tally.frames,
          ...(tally.schema ? { schema: tally.schema } : {}),
        };
        const stored = await this.d.datasets.saveStep(datasetId, await writeStep(this.d, record, take, place));
        tallyStep(tally, stored);
        record = await this.patch(datasetId, (r) => ({
          ...r,
          ...counts(tally),
          failures: 0,
          ...(tally.schema ? { schema: tally.schema } : {}),
        }));
        if (!record) return;
        if (record.deleting) return this.remove(record);
        this.progress(record, false);
      }
    } finally {
      // Takes checked ahead and never written: their NPZ temp files go.
      for (const pending of checks.values())
        void pending.then((t) => (t.kind === 'checked' ? t.columns.close() : undefined)).catch(() => undefined);
    }
    await this.finish(record, tally);
  }

  /** The meta files from the stored steps, info.json last; then the version is ready. */
  private async finish(record: DatasetRecord, tally: BuildTally): Promise<void> {
    const prefix = versionPrefix(record.name, record.version);
    if (tally.episodes === 0 || !tally.schema) {
      const done = await this.patch(record.datasetId, (r) => ({
        ...r,
        state: 'failed',
        error: 'no selected take could be made an episode: every one was left out (see leftOut)',
        finishedAt: new Date(this.now()),
      }));
      if (done) this.progress(done, true);
      return;
    }
    const pages = () => stepPages(this.d.datasets, record.datasetId, record.total);
    const withCounts = { ...record, ...counts(tally) };
    await writeTasks(this.d.storage, prefix, record.task);
    await writeEpisodes(this.d.storage, prefix, record.task, pages);
    await writeJson(this.d.storage, `${prefix}${META.stats}`, statsFile(tally.schema, tally.stats));
    await writeProvenance(this.d.storage, prefix, withCounts, await this.d.datasets.excluded(record.datasetId), pages);
    await writeJson(this.d.storage, `${prefix}${META.info}`, infoJson(withCounts, tally.schema));
    const done = await this.patch(record.datasetId, (r) => ({ ...r, ...counts(tally), state: 'ready', finishedAt: new Date(this.now()) }));
    if (done?.deleting) return this.remove(done);
    if (done) {
      this.progress(done, true);
      this.d.log.info({ datasetId: done.datasetId, name: done.name, version: done.version, episodes: done.episodes }, 'dataset ready');
    }
  }

  /** A build (or the DELETE of one under way) removes its objects, then its record. */
  async remove(record: DatasetRecord): Promise<void> {
    for await (const object of this.d.storage.listObjects(versionPrefix(record.name, record.version)))
      await this.d.storage.deleteObject(object.key);
    await this.d.datasets.remove(record.datasetId);
  }

  private async failedRun(datasetId: string, err: unknown): Promise<void> {
    const message = (err as Error)?.message ?? String(err);
    this.d.log.warn(
      { err: message, stack: (err as Error)?.stack, datasetId },
      'dataset build stopped by an error; it resumes where it stopped',
    );
    const record = await this.patch(datasetId, (r) => {
      const failures = r.failures + 1;
      if (failures < MAX_BUILD_FAILURES) return { ...r, failures };
      return {
        ...r,
        failures,
        state: 'failed',
        error: `the build failed ${failures} times in a row: ${message}`.slice(0, 500),
        finishedAt: new Date(this.now()),
      };
    }).catch(() => null);
    if (record?.state === 'failed') this.progress(record, true);
  }

  private patch(datasetId: string, change: (r: DatasetRecord) => DatasetRecord): Promise<DatasetRecord | null> {
    return this.d.datasets.update(datasetId, (current) => {
      if (!current) return { next: null, result: null };
      const next = { ...change(current), updatedAt: new Date(this.now()) };
      return { next, result: next };
    });
  }

  private progress(r: DatasetRecord, force: boolean): void {
    const at = this.now();
    if (!force && r.done < r.total && at - (this.lastProgress.get(r.datasetId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.lastProgress.set(r.datasetId, at);
    void this.d.events
      .publish('dataset.progress', {
        datasetId: r.datasetId,
        name: r.name,
        version: r.version,
        state: r.state,
        done: r.done,
        total: r.total,
      })
      .catch((err: unknown) => this.d.log.warn({ err, datasetId: r.datasetId }, 'a listener failed on dataset progress'));
  }
}

const counts = (t: BuildTally) => ({ done: t.done, episodes: t.episodes, frames: t.frames });

/** The frozen selection, read a page at a time as the build walks it. */
class TakeList {
  private page: string[] = [];
  private from = 0;

  constructor(
    private readonly store: DatasetStore,
    private readonly datasetId: string,
  ) {}

  async at(position: number): Promise<string> {
    if (position < this.from || position >= this.from + this.page.length) {
      this.page = await this.store.takes(this.datasetId, position, STEP_PAGE);
      this.from = position;
    }
    const id = this.page[position - this.from];
    if (id === undefined) throw new Error(`dataset ${this.datasetId} has no take at ${position}`);
    return id;
  }
}
