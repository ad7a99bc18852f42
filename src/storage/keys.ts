/**
 * Object keys. Every key is built here from validated parts, and every key a
 * client hands back is checked here before it reaches a driver or a path.
 */
const KEY_PATTERN = /^[a-zA-Z0-9_-][a-zA-Z0-9_.\-/]{0,1023}$/;

export function isSafeKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  return key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export function assertSafeKey(key: string): string {
  if (!isSafeKey(key)) throw new UnsafeKeyError(key);
  return key;
}

export class UnsafeKeyError extends Error {
  constructor(key: string) {
    super(`not a valid object key: ${JSON.stringify(key.slice(0, 100))}`);
    this.name = 'UnsafeKeyError';
  }
}

/** The spec's recording layout: sessions/{YYYYMMDD_HHMMSS}/recording.mp4 | session_data.npz */
export const SESSION_TIMESTAMP_PATTERN = /^\d{8}_\d{6}$/;
export const RECORDING_FILE_NAMES = { video: 'recording.mp4', data: 'session_data.npz' } as const;
export type RecordingFileType = keyof typeof RECORDING_FILE_NAMES;

export function recordingKey(timestamp: string, fileType: RecordingFileType): string {
  if (!SESSION_TIMESTAMP_PATTERN.test(timestamp)) throw new UnsafeKeyError(timestamp);
  return `sessions/${timestamp}/${RECORDING_FILE_NAMES[fileType]}`;
}
