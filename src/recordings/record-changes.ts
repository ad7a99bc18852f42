import type { DomainEventMap } from '../domain/events';
import type { RecordingFileType } from '../domain/layout';
import type { RecordingRecord } from '../state';

/** A recording's file after an upload of it started, completed or was given up. */
export function fileAfter(record: RecordingRecord, fileType: RecordingFileType, e: DomainEventMap['upload.changed'], at: Date) {
  const before = record.files[fileType];
  const state = e.change === 'completed' ? 'complete' : e.change === 'started' ? 'uploading' : 'failed';
  // An abort of an older attempt does not undo a newer upload of the same file.
  if (state === 'failed' && before && before.uploadId !== e.uploadId) return before;
  return {
    key: e.key,
    state,
    size: e.fileSize,
    uploadId: e.uploadId,
    updatedAt: at,
    ...(e.etag ? { etag: e.etag } : {}),
    ...(e.sha256
      ? { clientSha256: e.sha256 }
      : before?.clientSha256 && e.change !== 'started'
        ? { clientSha256: before.clientSha256 }
        : {}),
  } as const;
}

/** 2026-02-06T14:30:52Z -> 20260206_143052 (UTC), the recording folders' form. */
export function timestampOf(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
