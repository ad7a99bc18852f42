import type { DatasetStore } from './dataset-store';
import { copyRecord, decodeStep } from './record-codec';
import type { DatasetRecord, ExcludedTake, StepResult } from './types';

interface Entry {
  record: DatasetRecord;
  takes: string[];
  excluded: ExcludedTake[];
  steps: Map<number, string>;
}

/** One process's datasets, for the memory store (gone with the process, as every memory-store record is). */
export class MemoryDatasetStore implements DatasetStore {
  private readonly versions = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();

  async nextVersion(name: string): Promise<number> {
    const next = (this.versions.get(name) ?? 0) + 1;
    this.versions.set(name, next);
    return next;
  }

  async create(record: DatasetRecord, takes: readonly string[], excluded: readonly ExcludedTake[]): Promise<void> {
    this.entries.set(record.datasetId, { record: copyRecord(record), takes: [...takes], excluded: [...excluded], steps: new Map() });
  }

  async get(datasetId: string): Promise<DatasetRecord | null> {
    const entry = this.entries.get(datasetId);
    return entry ? copyRecord(entry.record) : null;
  }

  async list(): Promise<DatasetRecord[]> {
    return [...this.entries.values()].map((e) => copyRecord(e.record)).sort(newestFirst);
  }

  async count(): Promise<number> {
    return this.entries.size;
  }

  async update<T>(datasetId: string, change: (current: DatasetRecord | null) => { next: DatasetRecord | null; result: T }): Promise<T> {
    const entry = this.entries.get(datasetId);
    const { next, result } = change(entry ? copyRecord(entry.record) : null);
    if (next && entry) entry.record = copyRecord({ ...next, datasetId });
    return result;
  }

  async takes(datasetId: string, start: number, count: number): Promise<string[]> {
    return this.entries.get(datasetId)?.takes.slice(start, start + count) ?? [];
  }

  async excluded(datasetId: string): Promise<ExcludedTake[]> {
    return [...(this.entries.get(datasetId)?.excluded ?? [])];
  }

  async saveStep(datasetId: string, result: StepResult): Promise<StepResult> {
    const entry = this.entries.get(datasetId);
    if (!entry) return result;
    const existing = entry.steps.get(result.position);
    if (existing) return decodeStep(existing)!;
    entry.steps.set(result.position, JSON.stringify(result));
    return decodeStep(entry.steps.get(result.position))!;
  }

  async steps(datasetId: string, start: number, count: number): Promise<StepResult[]> {
    const entry = this.entries.get(datasetId);
    const out: StepResult[] = [];
    for (let p = start; entry && p < start + count; p++) {
      const step = decodeStep(entry.steps.get(p));
      if (!step) break;
      out.push(step);
    }
    return out;
  }

  async unfinished(limit: number): Promise<string[]> {
    return [...this.entries.values()]
      .filter((e) => e.record.state === 'queued' || e.record.state === 'building')
      .sort((a, b) => -newestFirst(a.record, b.record))
      .slice(0, limit)
      .map((e) => e.record.datasetId);
  }

  async remove(datasetId: string): Promise<void> {
    this.entries.delete(datasetId);
  }
}

function newestFirst(a: DatasetRecord, b: DatasetRecord): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.datasetId < b.datasetId ? 1 : a.datasetId > b.datasetId ? -1 : 0);
}
