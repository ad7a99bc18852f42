/** What the datasets feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A dataset build moved on: its state, or another take done (at most a few times a second per build). */
    'dataset.progress': {
      datasetId: string;
      name: string;
      version: number;
      state: 'queued' | 'building' | 'ready' | 'failed';
      done: number;
      total: number;
    };
  }
}
export {};
