import type { DomainEvents } from '../domain/events';
import type { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';

/** on-dataset-progress to dashboards, from the builds' dataset.progress (to a room: each dashboard hears it once). */
export function datasetSocket(broadcast: Broadcaster, events: DomainEvents): SocketModule {
  const unsubscribe = events.on('dataset.progress', (p) => {
    broadcast.emit([rooms.dashboards], 'on-dataset-progress', {
      datasetId: p.datasetId,
      name: p.name,
      version: p.version,
      state: p.state,
      done: p.done,
      total: p.total,
    });
  });
  return { stop: unsubscribe, register: () => undefined };
}
