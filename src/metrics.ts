import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the server exports, by the spec's names, on a
 * registry owned by one server instance (no global registry, so tests can run
 * several servers in one process). Domain modules receive this object and
 * update what they own.
 */
/** Fleet-wide values read from the store when Prometheus scrapes. */
export interface FleetGaugeValues {
  locked: number;
  recording: number;
  lowBattery: number;
  batteries: Array<{ deviceId: string; level: number }>;
  devices: Array<{ deviceId: string; online: boolean; locked: boolean; recording: boolean }>;
}

/**
 * Sources the server plugs in after building its domain. Fleet gauges are
 * computed at scrape time from the store (the shared truth when several
 * processes run), not incremented by handlers that could drift.
 */
export interface MetricSources {
  fleet?: () => Promise<FleetGaugeValues>;
  dashboardSubscribers?: () => number;
  activeSessions?: () => Promise<number>;
  /** Start (ms) of the oldest upload in progress, kept current by the upload service. */
  oldestUploadStartedAt?: number;
  frameStreams?: () => number;
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These three gauges break Prometheus naming (a "_total" gauge); the per-type
  // nodejs_active_handles / _requests / _resources gauges carry the same counts.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const sources: MetricSources = {};
  const perDevice = async (gauge: Gauge<'device_id'>, flag: (d: FleetGaugeValues['devices'][number]) => boolean) => {
    const values = await sources.fleet?.().catch(() => undefined);
    if (!values) return;
    // Reset first, so forgotten devices stop being reported.
    gauge.reset();
    for (const d of values.devices) gauge.set({ device_id: d.deviceId }, flag(d) ? 1 : 0);
  };
  const fleetValue = async (pick: (v: FleetGaugeValues) => number, gauge: Gauge) => {
    const values = await sources.fleet?.().catch(() => undefined);
    if (values) gauge.set(pick(values));
  };

  const metrics = {
    registry,
    sources,

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
    lockedDevices: new Gauge({
      name: 'turing_locked_devices_total',
      help: 'Locked devices',
      registers,
      async collect() {
        await fleetValue((v) => v.locked, this);
      },
    }),
    recordingDevices: new Gauge({
      name: 'turing_recording_devices_total',
      help: 'Recording devices',
      registers,
      async collect() {
        await fleetValue((v) => v.recording, this);
      },
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

    // Sessions
    sessionsActive: new Gauge({
      name: 'turing_sessions_active_total',
      help: 'Sessions not yet completed (pending, recording, paused)',
      registers,
      async collect() {
        const count = await sources.activeSessions?.().catch(() => undefined);
        if (count !== undefined) this.set(count);
      },
    }),
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
    socketEventsRejected: new Counter({
      name: 'turing_socket_events_rejected_total',
      help: 'Socket events refused, by event and reason (role, invalid, rate_limited, unknown_event, error)',
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
    frameStreams: new Gauge({
      name: 'turing_frame_streams',
      help: 'Headsets whose live-frame state (throttle, queue) this process holds',
      registers,
      collect() {
        if (sources.frameStreams) this.set(sources.frameStreams());
      },
    }),
    frameBytesRelayed: new Counter({
      name: 'turing_frame_bytes_relayed_total',
      help: "Bytes of live frames broadcast to their headset's viewers (once per frame)",
      registers,
    }),

    // Fleet
    fleetBatteryLevel: new Gauge({
      name: 'turing_fleet_battery_level',
      help: 'Battery level per device (0-1)',
      labelNames: ['device_id'] as const,
      registers,
      async collect() {
        const values = await sources.fleet?.().catch(() => undefined);
        if (!values) return;
        // Reset first, so devices that left the fleet stop being reported.
        this.reset();
        for (const { deviceId, level } of values.batteries) this.set({ device_id: deviceId }, level);
      },
    }),
    lowBatteryDevices: new Gauge({
      name: 'turing_low_battery_devices_total',
      help: 'Devices with battery below 25%',
      registers,
      async collect() {
        await fleetValue((v) => v.lowBattery, this);
      },
    }),
    dashboardSubscribers: new Gauge({
      name: 'turing_dashboard_subscribers_total',
      help: 'Dashboard subscribers on this process',
      registers,
      collect() {
        if (sources.dashboardSubscribers) this.set(sources.dashboardSubscribers());
      },
    }),

    // Beyond the spec, for the alert rules and dashboards (prometheus/, grafana/).
    // Per-device gauges let an alert name the headset; remove a device's series
    // when the device itself is forgotten.
    deviceOnline: new Gauge({
      name: 'turing_device_online',
      help: 'Per device: 1 while connected, 0 while known but offline',
      labelNames: ['device_id'] as const,
      registers,
      async collect() {
        await perDevice(this, (d) => d.online);
      },
    }),
    deviceLocked: new Gauge({
      name: 'turing_device_locked',
      help: 'Per device: 1 while a tablet holds its lock, else 0',
      labelNames: ['device_id'] as const,
      registers,
      async collect() {
        await perDevice(this, (d) => d.locked);
      },
    }),
    deviceRecording: new Gauge({
      name: 'turing_device_recording',
      help: 'Per device: 1 while recording, else 0',
      labelNames: ['device_id'] as const,
      registers,
      async collect() {
        await perDevice(this, (d) => d.recording);
      },
    }),
    uploadsOldestAge: new Gauge({
      name: 'turing_uploads_oldest_age_seconds',
      help: 'Age of the oldest upload still in progress (0 when none)',
      registers,
      collect() {
        const started = sources.oldestUploadStartedAt;
        this.set(started === undefined ? 0 : Math.max(0, (Date.now() - started) / 1000));
      },
    }),

    // Quality (QA) statistics, refreshed with the QA report.
    qaSessionsAnalyzed: new Gauge({
      name: 'turing_qa_sessions_analyzed',
      help: 'Sessions in the latest QA report',
      registers,
    }),
    qaSessionsWithIssues: new Gauge({
      name: 'turing_qa_sessions_with_issues',
      help: 'Sessions in the latest QA report with an overall quality score below 80',
      registers,
    }),
    qaAverageScore: new Gauge({
      name: 'turing_qa_average_score',
      help: 'Average QA score (0-100) by stage: capture_quality, validation, tracking_confidence, overall',
      labelNames: ['stage'] as const,
      registers,
    }),

    // Storage statistics, refreshed with the bucket listing.
    storageObjects: new Gauge({
      name: 'turing_storage_objects',
      help: 'Objects in the recordings bucket by file type (extension)',
      labelNames: ['type'] as const,
      registers,
    }),
    storageBytes: new Gauge({
      name: 'turing_storage_bytes',
      help: 'Bytes in the recordings bucket by file type (extension)',
      labelNames: ['type'] as const,
      registers,
    }),
    storageSessions: new Gauge({
      name: 'turing_storage_sessions',
      help: 'Session folders in the bucket by status: complete (MP4 and NPZ) or incomplete',
      labelNames: ['status'] as const,
      registers,
    }),
    storageMonthlyCost: new Gauge({
      name: 'turing_storage_monthly_cost_dollars',
      help: 'Estimated monthly storage cost in USD by tier: standard, intelligent_tiering, glacier_deep_archive',
      labelNames: ['tier'] as const,
      registers,
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
