import type { Routes } from './generated/rest';
import type { RouteAnswer, RouteMethods, RouteName } from './http';

/**
 * The paged lists as async iterators: `for await (const rec of http.recordings.list(filter))`
 * walks every page, following `nextCursor` until the server gives none. `pages()` walks the
 * answers themselves (with `count`, and `total` where the server counts it).
 */

/** A paged route: one whose query takes a `cursor` and whose answer may carry `nextCursor`. */
type PagedRoute = {
  [K in RouteName]: Routes[K]['query'] extends { cursor?: string } ? (RouteAnswer<K> extends { nextCursor?: string } ? K : never) : never;
}[RouteName];

/** A list's filter: its route's query without the cursor, which the iterator keeps. */
export type ListFilter<K extends PagedRoute> = Omit<Routes[K]['query'], 'cursor'>;

export interface PagedList<Item, Answer> extends AsyncIterable<Item> {
  /** Every page's answer, in order. */
  pages(): AsyncIterable<Answer>;
  /** Every item of every page, in one array (for short lists). */
  all(): Promise<Item[]>;
}

export function pagedList<K extends PagedRoute, F extends keyof RouteAnswer<K>>(
  api: RouteMethods,
  route: K,
  field: F,
  filter: ListFilter<K>,
): PagedList<RouteAnswer<K>[F] extends ReadonlyArray<infer T> ? T : never, RouteAnswer<K>> {
  type Item = RouteAnswer<K>[F] extends ReadonlyArray<infer T> ? T : never;
  const call = api[route] as (request: { query: object }) => Promise<RouteAnswer<K>>;
  async function* pages(): AsyncGenerator<RouteAnswer<K>> {
    let cursor: string | undefined;
    do {
      const answer = await call({ query: { ...filter, ...(cursor ? { cursor } : {}) } });
      yield answer;
      cursor = (answer as { nextCursor?: string }).nextCursor;
    } while (cursor);
  }
  async function* items(): AsyncGenerator<Item> {
    for await (const page of pages()) yield* page[field] as Item[];
  }
  return {
    [Symbol.asyncIterator]: () => items(),
    pages,
    async all() {
      const out: Item[] = [];
      for await (const item of items()) out.push(item);
      return out;
    },
  };
}

/** The resources of the REST API, each a few typed calls over the generated route methods. */
export function resources(api: RouteMethods) {
  return {
    recordings: {
      /** Every recording matching the filter, newest first, page by page. */
      list: (filter: ListFilter<'getApiRecordings'> = {}) => pagedList(api, 'getApiRecordings', 'recordings', filter),
      get: (recordingId: string) => api.getApiRecordingsRecordingId({ params: { recordingId } }),
      /** Curation: the decision and tags (PATCH /api/recordings/:recordingId). */
      update: (recordingId: string, body: Routes['patchApiRecordingsRecordingId']['body']) =>
        api.patchApiRecordingsRecordingId({ params: { recordingId }, body }),
    },
    sessions: {
      list: (filter: ListFilter<'getApiSessions'> = {}) => pagedList(api, 'getApiSessions', 'sessions', filter),
      get: (sessionId: string) => api.getApiSessionsSessionId({ params: { sessionId } }),
    },
    alarms: {
      list: (filter: ListFilter<'getApiAlarms'> = {}) => pagedList(api, 'getApiAlarms', 'alarms', filter),
      acknowledge: (alarmId: string) => api.postApiAlarmsAlarmIdAck({ params: { alarmId } }),
    },
    commands: {
      /** The command ledger: every command matching the filter, newest first. */
      list: (filter: ListFilter<'getApiCommands'> = {}) => pagedList(api, 'getApiCommands', 'commands', filter),
    },
    datasets: {
      list: () => api.getApiDatasets(),
      create: (body: Routes['postApiDatasets']['body']) => api.postApiDatasets({ body }),
      get: (datasetId: string) => api.getApiDatasetsDatasetId({ params: { datasetId } }),
      delete: (datasetId: string) => api.deleteApiDatasetsDatasetId({ params: { datasetId } }),
    },
  };
}

export type Resources = ReturnType<typeof resources>;
