import express, { Router } from 'express';
import { actorOf } from '../domain/actor';
import { DomainError } from '../domain/errors';
import { callerOf, requireAuth, type RestAuthDeps } from '../http/require-auth';
import type { RouteDoc } from '../http/route-doc';
import { parseOr400 } from '../http/validate';
import type { DatasetService } from './dataset-service';
import { versionPrefix } from './layout';
import {
  createDatasetSchema,
  datasetAnswerSchema,
  datasetDeletedSchema,
  datasetDetailAnswerSchema,
  datasetIdSchema,
  datasetListSchema,
} from './schemas';
import { episodeView, leftOutView, summaryOf } from './views';

export const datasetRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/datasets',
    tag: 'datasets',
    summary: 'Requests a dataset (LeRobotDataset v3.0) from the takes a filter selects; the build runs as a job',
    description: 'The layout, the checks and loading it in Python: docs/DATASETS.md.',
    auth: ['dashboard'],
    body: { json: createDatasetSchema },
    answer: datasetAnswerSchema,
    errors: ['empty_selection', 'too_large', 'quota_exceeded', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/datasets',
    tag: 'datasets',
    summary: 'Every dataset version, newest first, with its state and progress',
    auth: ['dashboard'],
    answer: datasetListSchema,
    errors: ['store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/datasets/:datasetId',
    tag: 'datasets',
    summary: 'One dataset version: state, progress, its episodes with their source takes, and the takes left out with why',
    auth: ['dashboard'],
    params: { datasetId: datasetIdSchema },
    answer: datasetDetailAnswerSchema,
    errors: ['not_found', 'store_unavailable'],
  },
  {
    method: 'delete',
    path: '/api/datasets/:datasetId',
    tag: 'datasets',
    summary: 'Deletes a dataset version and its objects (a build under way stops and removes them)',
    auth: ['dashboard'],
    params: { datasetId: datasetIdSchema },
    answer: datasetDeletedSchema,
    errors: ['not_found', 'store_unavailable', 'storage_unavailable'],
  },
];

/** /api/datasets: the admin key or a dashboard token. */
export function datasetRoutes(auth: RestAuthDeps, service: DatasetService): Router {
  const router = Router();
  const operators = requireAuth(auth, ['dashboard']);
  const json = express.json({ limit: '32kb' });

  router.post('/api/datasets', operators, json, async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null) throw new DomainError('invalid', 'expected a JSON body');
    const request = parseOr400(createDatasetSchema, req.body, 'dataset request');
    const record = await service.create(request, actorOf(callerOf(res)));
    res.json({ ok: true, dataset: summaryOf(record) } satisfies typeof datasetAnswerSchema._output);
  });

  router.get('/api/datasets', operators, async (_req, res) => {
    res.json({ ok: true, datasets: (await service.list()).map(summaryOf) } satisfies typeof datasetListSchema._output);
  });

  router.get('/api/datasets/:datasetId', operators, async (req, res) => {
    const { record, steps, excluded } = await service.detail(parseOr400(datasetIdSchema, req.params.datasetId, 'datasetId'));
    const prefix = versionPrefix(record.name, record.version);
    res.json({
      ok: true,
      dataset: {
        ...summaryOf(record),
        episodes: steps.flatMap((s) => (s.kind === 'episode' ? [episodeView(s, prefix)] : [])),
        leftOut: [...excluded.map(leftOutView), ...steps.flatMap((s) => (s.kind === 'left-out' ? [leftOutView(s)] : []))],
      },
    } satisfies typeof datasetDetailAnswerSchema._output);
  });

  router.delete('/api/datasets/:datasetId', operators, async (req, res) => {
    const datasetId = parseOr400(datasetIdSchema, req.params.datasetId, 'datasetId');
    const { deleted } = await service.delete(datasetId);
    res.json({ ok: true, datasetId, deleted } satisfies typeof datasetDeletedSchema._output);
  });
  return router;
}
