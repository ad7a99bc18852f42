import type { z } from 'zod';
import { versionPrefix } from './layout';
import type { datasetSummarySchema, episodeViewSchema } from './schemas';
import type { DatasetRecord, ExcludedTake, StepResult } from './types';

type Summary = z.infer<typeof datasetSummarySchema>;

/** A dataset record as the API shows it. */
export function summaryOf(r: DatasetRecord): Summary {
  const { from, to, ...filter } = r.filter;
  return {
    datasetId: r.datasetId,
    name: r.name,
    version: r.version,
    ...(r.description ? { description: r.description } : {}),
    format: r.format,
    task: r.task,
    fps: r.fps,
    filter: { ...filter, ...(from ? { from: from.toISOString() } : {}), ...(to ? { to: to.toISOString() } : {}) },
    state: r.state,
    progress: { done: r.done, total: r.total },
    episodeCount: r.episodes,
    frameCount: r.frames,
    location: versionPrefix(r.name, r.version),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    ...(r.startedAt ? { startedAt: r.startedAt.toISOString() } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt.toISOString() } : {}),
    createdBy: r.createdBy,
    ...(r.error ? { error: r.error } : {}),
    ...(r.deleting ? { deleting: true } : {}),
  };
}

export function episodeView(step: Extract<StepResult, { kind: 'episode' }>, prefix: string): z.infer<typeof episodeViewSchema> {
  return {
    episodeIndex: step.episodeIndex,
    recordingId: step.recordingId,
    deviceId: step.source.deviceId,
    ...(step.source.sessionId ? { sessionId: step.source.sessionId } : {}),
    frames: step.frames,
    datasetFromIndex: step.fromIndex,
    datasetToIndex: step.fromIndex + step.frames,
    dataFile: step.dataKey.slice(prefix.length),
    videoFile: step.videoKey.slice(prefix.length),
    sha256: step.source.sha256,
    verdict: step.source.verdict,
    qaScore: step.source.qaScore,
  };
}

export const leftOutView = (t: ExcludedTake) => ({ recordingId: t.recordingId, reason: t.reason });
