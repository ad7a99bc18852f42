import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the server exports, by the spec's names, on a
 * registry owned by one server instance (no global registry, so tests can run
 * several servers in one process). Domain modules receive this object and
 * update what they own.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
    lockedDevices: new Gauge({ name: 'turing_locked_devices_total', help: 'Locked devices', registers }),
    recordingDevices: new Gauge({ name: 'turing_recording_devices_total', help: 'Recording devices', registers }),
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

    // Sessions
    sessionsActive: new Gauge({ name: 'turing_sessions_active_total', help: 'Active sessions', registers }),
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
    uploadsInProgress: new Gauge({ name: 'turing_uploads_in_progress', help: 'Uploads in progress', registers }),
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
    frameBatchSize: new Histogram({
      name: 'turing_frame_batch_size',
      help: 'Frames per relay flush',
      buckets: [1, 2, 3, 4, 5, 10],
      registers,
    }),
    framesDropped: new Counter({
      name: 'turing_frames_dropped_total',
      help: 'Dropped frames by reason',
      labelNames: ['reason'] as const,
      registers,
    }),

    // Fleet
    fleetBatteryLevel: new Gauge({
      name: 'turing_fleet_battery_level',
      help: 'Battery level per device (0-1)',
      labelNames: ['device_id'] as const,
      registers,
    }),
    lowBatteryDevices: new Gauge({
      name: 'turing_low_battery_devices_total',
      help: 'Devices with battery below 25%',
      registers,
    }),
    dashboardSubscribers: new Gauge({
      name: 'turing_dashboard_subscribers_total',
      help: 'Dashboard subscribers',
      registers,
    }),

    // Quality and storage (beyond the spec, for Grafana); set whenever /api/qa-metrics or /api/s3-stats computes them.
    storageBytes: new Gauge({ name: 'turing_storage_bytes_total', help: 'Bytes stored in the recordings bucket', registers }),
    storageSessions: new Gauge({
      name: 'turing_storage_sessions',
      help: 'Recorded sessions by status (complete: has both .mp4 and .npz)',
      labelNames: ['status'] as const,
      registers,
    }),
    qaAverageScore: new Gauge({ name: 'turing_qa_average_score', help: 'Mean overall quality score (0-100)', registers }),
    qaSessionsWithIssues: new Gauge({
      name: 'turing_qa_sessions_with_issues',
      help: 'Sessions whose overall quality score is below 80',
      registers,
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
