import { csvField } from '../util/csv-field';
import type { RecordingQuery, RecordingSummary } from '../state';
import type { RecordingService } from './recording-service';

/** One row per recording: the columns of the CSV, the fields of each JSON line. */
export const EXPORT_COLUMNS = [
  'recordingId',
  'deviceId',
  'sessionId',
  'tabletId',
  'appVersion',
  'state',
  'createdAt',
  'startedAt',
  'stoppedAt',
  'videoKey',
  'videoSize',
  'videoSha256',
  'dataKey',
  'dataSize',
  'dataSha256',
  'videoDurationSeconds',
  'videoFrames',
  'videoFps',
  'trackingFrames',
  'trackingDurationSeconds',
  'qaScore',
  'qaCaptureQuality',
  'qaValidation',
  'qaTrackingConfidence',
  'verdict',
  'reasons',
  'decision',
  'outcome',
  'tags',
  'note',
] as const;

type Row = Record<(typeof EXPORT_COLUMNS)[number], string | number | null>;

export function exportRow(r: RecordingSummary): Row {
  const v = r.verification;
  return {
    recordingId: r.recordingId,
    deviceId: r.deviceId,
    sessionId: r.sessionId ?? null,
    tabletId: r.tabletId ?? null,
    appVersion: r.appVersion ?? null,
    state: r.state,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    stoppedAt: r.stoppedAt?.toISOString() ?? null,
    videoKey: r.files.video?.key ?? null,
    videoSize: r.files.video?.size ?? null,
    videoSha256: r.files.video?.sha256 ?? null,
    dataKey: r.files.data?.key ?? null,
    dataSize: r.files.data?.size ?? null,
    dataSha256: r.files.data?.sha256 ?? null,
    videoDurationSeconds: v?.mp4?.durationSeconds ?? null,
    videoFrames: v?.mp4?.frameCount ?? null,
    videoFps: v?.mp4?.fps ?? null,
    trackingFrames: v?.npz?.frameCount ?? null,
    trackingDurationSeconds: v?.npz?.durationSeconds ?? null,
    qaScore: v?.qaScore ?? null,
    qaCaptureQuality: v?.npz?.stages?.captureQuality ?? null,
    qaValidation: v?.npz?.stages?.validation ?? null,
    qaTrackingConfidence: v?.npz?.stages?.trackingConfidence ?? null,
    verdict: v?.verdict ?? null,
    reasons: (v?.reasons ?? []).join('; '),
    decision: r.decision ?? null,
    outcome: r.outcome ?? null,
    tags: Object.entries(r.tags)
      .map(([k, val]) => `${k}=${val}`)
      .join(';'),
    note: r.note ?? null,
  };
}

/** A number is written as it is (a negative one is no formula); text goes through the audit log's CSV escaping. */
const csvCell = (value: string | number | null): string =>
  value === null ? '' : typeof value === 'number' ? String(value) : csvField(value);

/**
 * The export, page by page from the store (200 records at a time), so a
 * 100,000-recording export never sits in memory: the caller writes each chunk
 * as it comes and waits for the socket to drain.
 */
export async function* exportLines(
  service: RecordingService,
  filters: Omit<RecordingQuery, 'limit' | 'cursor'>,
  format: 'jsonl' | 'csv',
): AsyncGenerator<string> {
  if (format === 'csv') yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  let cursor: string | undefined;
  do {
    const page = await service.list({ ...filters, limit: 200, ...(cursor ? { cursor } : {}) });
    let chunk = '';
    for (const record of page.recordings) {
      const row = exportRow(record);
      chunk += format === 'csv' ? `${EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n` : `${JSON.stringify(row)}\n`;
    }
    if (chunk) yield chunk;
    cursor = page.nextCursor;
  } while (cursor);
}
