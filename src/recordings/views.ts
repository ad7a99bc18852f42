import type { RecordingFileRecord, RecordingRecord, RecordingSummary } from '../state';
import type { RecordingView } from './schemas';

const iso = (d: Date | undefined) => (d ? { value: d.toISOString() } : undefined);

function fileView(f: RecordingFileRecord | undefined) {
  if (!f) return undefined;
  return {
    key: f.key,
    state: f.state,
    size: f.size,
    ...(f.etag ? { etag: f.etag } : {}),
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
    ...(f.clientSha256 ? { clientSha256: f.clientSha256 } : {}),
  };
}

export function filesView(r: RecordingSummary): RecordingView['files'] {
  const video = fileView(r.files.video);
  const data = fileView(r.files.data);
  return { ...(video ? { video } : {}), ...(data ? { data } : {}) };
}

/** A record as the API and the manifest show it; with its history when it was read whole (one recording), not in lists. */
export function toView(r: RecordingSummary | RecordingRecord): RecordingView {
  const v = r.verification;
  const opt = <K extends string, T>(key: K, value: T | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, T>));
  return {
    recordingId: r.recordingId,
    deviceId: r.deviceId,
    ...opt('sessionId', r.sessionId),
    ...opt('tabletId', r.tabletId),
    ...opt('appVersion', r.appVersion),
    state: r.state,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    ...opt('startedAt', iso(r.startedAt)?.value),
    ...opt('stoppedAt', iso(r.stoppedAt)?.value),
    ...opt('start', r.start),
    files: filesView(r),
    ...opt('verdict', v?.verdict),
    ...(v ? { qaScore: v.qaScore } : {}),
    reasons: v?.reasons ?? (r.state === 'incomplete' ? incompleteReasons(r) : []),
    ...opt('checks', v?.checks),
    ...opt('video', v?.mp4 as Record<string, unknown> | undefined),
    ...opt('tracking', v?.npz as Record<string, unknown> | undefined),
    ...opt('verifiedAt', iso(v?.verifiedAt)?.value),
    ...opt('decision', r.decision),
    ...opt('outcome', r.outcome),
    tags: r.tags,
    ...opt('note', r.note),
    ...opt('discardedAt', iso(r.discardedAt)?.value),
    ...opt('purgedAt', iso(r.purgedAt)?.value),
    ...('history' in r
      ? { history: r.history.map((h) => ({ at: h.at.toISOString(), actor: h.actor, change: h.change, ...opt('detail', h.detail) })) }
      : {}),
  };
}

/** Why a recording is incomplete: which file never arrived. */
export function incompleteReasons(r: RecordingSummary): string[] {
  const missing = (['video', 'data'] as const).filter((t) => r.files[t]?.state !== 'complete');
  const names = { video: 'the video (recording.mp4)', data: 'the tracking data (session_data.npz)' };
  return missing.map((t) => `${names[t]} did not arrive in time after recording stopped`);
}
