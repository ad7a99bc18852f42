import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import type { DomainEvents } from '../domain/events';
import type { RecordingPage, RecordingQuery } from '../state';
import type { ObjectStorage } from '../storage';
import type { DatasetBuilder } from './builder';
import { stepPages } from './build-progress';
import { MAX_DATASETS, type DatasetStore } from './dataset-store';
import { versionPrefix } from './layout';
import type { CreateDatasetRequest } from './schemas';
import { commonFps, selectTakes } from './selection';
import type { DatasetRecord, ExcludedTake, StepResult } from './types';

export interface DatasetServiceDeps {
  datasets: DatasetStore;
  storage: ObjectStorage;
  events: DomainEvents;
  builder: DatasetBuilder;
  /** The recordings feature's list. */
  listRecordings: (query: RecordingQuery) => Promise<RecordingPage>;
  serverVersion: string;
  now?: () => number;
}

/**
 * Datasets as the API sees them: a request freezes its selection and queues
 * a build (DatasetBuilder runs it); reading answers the progress, the episodes
 * and the takes left out; deleting removes the version's objects.
 */
export class DatasetService {
  private readonly now: () => number;

  constructor(private readonly d: DatasetServiceDeps) {
    this.now = d.now ?? Date.now;
  }

  async create(req: CreateDatasetRequest, actor: Actor): Promise<DatasetRecord> {
    if ((await this.d.datasets.count()) >= MAX_DATASETS)
      throw new DomainError('quota_exceeded', `the server keeps at most ${MAX_DATASETS} datasets: delete one first`);
    const filter = { ...req.filter };
    const selection = await selectTakes(this.d.listRecordings, filter);
    const fps = req.fps ?? commonFps(selection.takes);
    if (selection.takes.length === 0 || fps === undefined) {
      const why =
        selection.takes.length === 0 ? 'the filter selects no take the dataset can take' : 'no selected take has a known frame rate';
      throw new DomainError('empty_selection', why, {
        details: { leftOut: selection.excluded.slice(0, 50), leftOutCount: selection.excludedCount },
      });
    }
    const version = await this.d.datasets.nextVersion(req.name);
    const at = new Date(this.now());
    const record: DatasetRecord = {
      datasetId: randomUUID(),
      name: req.name,
      version,
      ...(req.description ? { description: req.description } : {}),
      format: req.format,
      task: req.task ?? req.description ?? req.name,
      fps,
      filter,
      state: 'queued',
      createdAt: at,
      updatedAt: at,
      createdBy: actor,
      total: selection.takes.length,
      done: 0,
      episodes: 0,
      frames: 0,
      failures: 0,
      serverVersion: this.d.serverVersion,
    };
    await this.d.datasets.create(
      record,
      selection.takes.map((t) => t.recordingId),
      selection.excluded,
    );
    await this.d.events
      .publish('dataset.progress', {
        datasetId: record.datasetId,
        name: record.name,
        version,
        state: 'queued',
        done: 0,
        total: record.total,
      })
      .catch(() => undefined);
    // Started now rather than at the next poll; the poll resumes it if this process stops.
    void this.d.builder.runPending();
    return record;
  }

  list(): Promise<DatasetRecord[]> {
    return this.d.datasets.list();
  }

  async get(datasetId: string): Promise<DatasetRecord> {
    const record = await this.d.datasets.get(datasetId);
    if (!record) throw new DomainError('not_found', `no dataset ${datasetId}`);
    return record;
  }

  /** The record with every step so far and the takes the selection left out. */
  async detail(datasetId: string): Promise<{ record: DatasetRecord; steps: StepResult[]; excluded: ExcludedTake[] }> {
    const record = await this.get(datasetId);
    const steps: StepResult[] = [];
    for await (const page of stepPages(this.d.datasets, datasetId, record.total)) steps.push(...page);
    return { record, steps, excluded: await this.d.datasets.excluded(datasetId) };
  }

  /**
   * Removes a dataset version: a finished one's objects and record now; one
   * being built is marked, and its build stops at its next step and removes it.
   */
  async delete(datasetId: string): Promise<{ deleted: boolean }> {
    const marked = await this.d.datasets.update(datasetId, (current) => {
      if (!current) throw new DomainError('not_found', `no dataset ${datasetId}`);
      if (current.state === 'ready' || current.state === 'failed') return { next: null, result: current };
      return { next: { ...current, deleting: true, updatedAt: new Date(this.now()) }, result: null };
    });
    if (!marked) {
      void this.d.builder.runPending();
      return { deleted: false };
    }
    for await (const object of this.d.storage.listObjects(versionPrefix(marked.name, marked.version)))
      await this.d.storage.deleteObject(object.key);
    await this.d.datasets.remove(datasetId);
    return { deleted: true };
  }
}
