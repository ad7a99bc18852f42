import { z } from 'zod';
import { actorSchema } from '../domain/actor';
import { deviceIdSchema, sessionIdSchema } from '../domain/ids';
import { isoDate } from '../domain/iso-date';
import { RECORDING_DECISIONS, RECORDING_VERDICTS } from '../domain/recordings';
import { DATASET_NAME_PATTERN } from './layout';
import { DATASET_FORMATS, DATASET_STATES } from './types';

/** Every shape the datasets REST API takes in or gives out (docs/DATASETS.md). */

const tagName = z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, { message: 'tag names are 1-40 letters, digits, ".", "_" or "-"' });

export const datasetFilterSchema = z
  .object({
    sessionIds: z.array(sessionIdSchema).min(1).max(100).optional(),
    deviceIds: z.array(deviceIdSchema).min(1).max(100).optional(),
    tags: z
      .record(tagName, z.string().max(200))
      .refine((t) => Object.keys(t).length <= 20, { message: 'at most 20 tags' })
      .optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    verdict: z.enum(RECORDING_VERDICTS).default('pass'),
    decision: z.enum([...RECORDING_DECISIONS, 'none']).optional(),
  })
  .strict();

export const createDatasetSchema = z
  .object({
    name: z
      .string()
      .regex(DATASET_NAME_PATTERN, { message: 'name is 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit' }),
    description: z.string().max(2000).optional(),
    format: z.enum(DATASET_FORMATS),
    filter: datasetFilterSchema.default({ verdict: 'pass' }),
    /** The task every episode is labelled with; the description, else the name, when absent. */
    task: z.string().min(1).max(1000).optional(),
    /** The dataset's frame rate; the most common among the selected takes when absent. */
    fps: z.number().positive().max(1000).optional(),
  })
  .strict();
export type CreateDatasetRequest = z.infer<typeof createDatasetSchema>;

export const datasetIdSchema = z.uuid({ message: 'not a dataset ID' });

const filterViewSchema = z.object({
  sessionIds: z.array(z.string()).optional(),
  deviceIds: z.array(z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  verdict: z.enum(RECORDING_VERDICTS),
  decision: z.enum([...RECORDING_DECISIONS, 'none']).optional(),
});

export const datasetSummarySchema = z.object({
  datasetId: z.string(),
  name: z.string(),
  version: z.number().int(),
  description: z.string().optional(),
  format: z.enum(DATASET_FORMATS),
  task: z.string(),
  fps: z.number(),
  filter: filterViewSchema,
  state: z.enum(DATASET_STATES),
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  episodeCount: z.number().int(),
  frameCount: z.number().int(),
  /** Where the version is in storage: `datasets/{name}/v{n}/`. */
  location: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  createdBy: actorSchema,
  error: z.string().optional(),
  deleting: z.boolean().optional(),
});

export const episodeViewSchema = z.object({
  episodeIndex: z.number().int(),
  recordingId: z.string(),
  deviceId: z.string(),
  sessionId: z.string().optional(),
  frames: z.number().int(),
  datasetFromIndex: z.number().int(),
  datasetToIndex: z.number().int(),
  dataFile: z.string(),
  videoFile: z.string(),
  sha256: z.object({ video: z.string(), data: z.string() }),
  verdict: z.enum(RECORDING_VERDICTS),
  qaScore: z.number().nullable(),
});
export const leftOutViewSchema = z.object({ recordingId: z.string(), reason: z.string() });

export const datasetDetailSchema = datasetSummarySchema.extend({
  episodes: z.array(episodeViewSchema),
  leftOut: z.array(leftOutViewSchema),
});

export const datasetAnswerSchema = z.object({ ok: z.literal(true), dataset: datasetSummarySchema });
export const datasetDetailAnswerSchema = z.object({ ok: z.literal(true), dataset: datasetDetailSchema });
export const datasetListSchema = z.object({ ok: z.literal(true), datasets: z.array(datasetSummarySchema) });
export const datasetDeletedSchema = z.object({
  ok: z.literal(true),
  datasetId: z.string(),
  /** True when the objects and the record are gone; false while a build under way stops and removes them. */
  deleted: z.boolean(),
});
