import type { DatasetRecord, StepResult } from './types';

/** A record as JSON and back, dates revived; a corrupt value reads as null. */
export function encodeRecord(record: DatasetRecord): string {
  return JSON.stringify(record);
}

export function decodeRecord(raw: string | null | undefined): DatasetRecord | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as DatasetRecord & Record<string, unknown>;
    if (typeof value.datasetId !== 'string') return null;
    const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : undefined);
    const revived: DatasetRecord = { ...value, createdAt: date(value.createdAt)!, updatedAt: date(value.updatedAt)! };
    for (const key of ['startedAt', 'finishedAt'] as const) if (value[key]) revived[key] = date(value[key]);
    const filter = { ...value.filter };
    if (filter.from) filter.from = date(filter.from);
    if (filter.to) filter.to = date(filter.to);
    revived.filter = filter;
    return revived;
  } catch {
    return null;
  }
}

export function decodeStep(raw: string | null | undefined): StepResult | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as StepResult;
    return typeof value.position === 'number' ? value : null;
  } catch {
    return null;
  }
}

/** A deep copy through the same encoding, so the memory store hands out what Redis would. */
export const copyRecord = (record: DatasetRecord): DatasetRecord => decodeRecord(encodeRecord(record))!;
