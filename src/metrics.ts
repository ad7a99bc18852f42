import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The registry of one server instance (no global registry, so tests can run
 * several servers in one process), with the counters, histograms and gauges
 * that several modules update. A module that owns a gauge registers it on
 * this registry itself (fleet/fleet-gauges.ts, sessions/session-gauges.ts,
 * uploads/upload-gauges.ts, quality/qa-gauges.ts, storage-stats/stats-gauges.ts,
 * the frame and dashboard socket modules). Names are the spec's.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These three gauges break Prometheus naming (a "_total" gauge); the per-type
  // nodejs_active_handles / _requests / _resources gauges carry the same counts.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const metrics = {
    registry,

    httpRequestDuration: new Histogram({
      name: 'turing_http_request_duration_seconds',
      help: 'HTTP request duration by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),

    // Devices
    connectedDevices: new Gauge({
      name: 'turing_connected_devices_total',
      help: 'Connected devices by type',
      labelNames: ['type'] as const,
      registers,
    }),
    deviceConnections: new Counter({
      name: 'turing_device_connections_total',
      help: 'Device connection events by type and event',
      labelNames: ['type', 'event'] as const,
      registers,
    }),
    lockOperations: new Counter({
      name: 'turing_device_lock_operations_total',
      help: 'Lock operations by operation and success',
      labelNames: ['operation', 'success'] as const,
      registers,
    }),

    telemetryUnknownKeys: new Counter({
      name: 'turing_telemetry_unknown_keys_total',
      help: 'Unknown telemetry fields dropped (a headset app newer than the server); the log names each device and key once',
      registers,
    }),

    // Sessions
    sessionsCreated: new Counter({ name: 'turing_sessions_created_total', help: 'Sessions created', registers }),
    sessionDuration: new Histogram({
      name: 'turing_session_duration_seconds',
      help: 'Duration of ended sessions',
      buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    }),

    // Uploads
    uploadDuration: new Histogram({
      name: 'turing_upload_duration_seconds',
      help: 'Upload duration by file type',
      labelNames: ['file_type'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers,
    }),
    uploadSize: new Histogram({
      name: 'turing_upload_size_bytes',
      help: 'Upload size by file type',
      labelNames: ['file_type'] as const,
      buckets: [1e6, 1e7, 1e8, 5e8, 1e9, 5e9, 1e10, 2e10, 5e10, 1e11],
      registers,
    }),
    uploadErrors: new Counter({
      name: 'turing_upload_errors_total',
      help: 'Upload errors by type',
      labelNames: ['error_type'] as const,
      registers,
    }),
    uploadBytes: new Counter({
      name: 'turing_upload_bytes_total',
      help: 'Bytes uploaded by file type',
      labelNames: ['file_type'] as const,
      registers,
    }),

    // Socket.IO
    socketMessages: new Counter({
      name: 'turing_socket_messages_total',
      help: 'Socket messages by event type and direction',
      labelNames: ['event_type', 'direction'] as const,
      registers,
    }),
    socketEvents: new Counter({
      name: 'turing_socket_events_total',
      help: 'Socket events by event name',
      labelNames: ['event'] as const,
      registers,
    }),
    socketEventsRejected: new Counter({
      name: 'turing_socket_events_rejected_total',
      help: 'Socket events refused, by event and reason (an error code of src/domain/errors.ts, or unknown_event)',
      labelNames: ['event', 'reason'] as const,
      registers,
    }),
    frameBatchSize: new Histogram({
      name: 'turing_frame_batch_size',
      help: 'Frames per relay flush',
      buckets: [1, 2, 3, 4, 5, 10],
      registers,
    }),
    framesDropped: new Counter({
      name: 'turing_frames_dropped_total',
      help: 'Dropped frames by reason (throttle, overflow, oversize, not_identified, invalid)',
      labelNames: ['reason'] as const,
      registers,
    }),
    framesRelayed: new Counter({
      name: 'turing_frames_relayed_total',
      help: "Live frames broadcast to their headset's viewers (once per frame, whatever the number of viewers)",
      registers,
    }),
    frameBytesRelayed: new Counter({
      name: 'turing_frame_bytes_relayed_total',
      help: "Bytes of live frames broadcast to their headset's viewers (once per frame)",
      registers,
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
