/**
 * The storage layout: where recordings go in the bucket (and under DATA_DIR,
 * which mirrors it), and how keys are read back. Nothing else spells these
 * paths, so a new folder form is added here once.
 *
 *   sessions/{recordingFolder}/recording.mp4      a recording's video
 *   sessions/{recordingFolder}/session_data.npz   its hand-tracking data
 *   client_output/...                             processed packages
 *
 * Recording folders are named by the second the recording started,
 * YYYYMMDD_HHMMSS in UTC (the spec's form, the only one written today).
 * Folders named `{YYYYMMDD_HHMMSS}_{deviceId}` (the recordingId) are planned,
 * so readers take any folder name and read a time from the name where it starts
 * with one. (The spec calls the folder name a "session ID" on the wire; inside
 * the server it is a recording folder, not a capture session.)
 */

export const RECORDINGS_PREFIX = 'sessions/';
export const PROCESSED_PREFIX = 'client_output/';

/** The timestamp recording folders are named by: 20260206_143052. */
export const RECORDING_TIMESTAMP_PATTERN = /^\d{8}_\d{6}$/;
/** A leading timestamp: the spec's folders are only that, the planned ones continue with `_{deviceId}`. */
const LEADING_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:_|$)/;

export const RECORDING_FILE_NAMES = { video: 'recording.mp4', data: 'session_data.npz' } as const;
export type RecordingFileType = keyof typeof RECORDING_FILE_NAMES;

/** The key a recording file is stored under, in the spec's folder form. */
export function recordingKey(timestamp: string, fileType: RecordingFileType): string {
  if (!RECORDING_TIMESTAMP_PATTERN.test(timestamp))
    throw new RangeError(`not a recording timestamp (YYYYMMDD_HHMMSS): ${JSON.stringify(timestamp.slice(0, 40))}`);
  return `${recordingFolderPrefix(timestamp)}${RECORDING_FILE_NAMES[fileType]}`;
}

/** The listing prefix of one recording folder. */
export function recordingFolderPrefix(recordingFolder: string): string {
  return `${RECORDINGS_PREFIX}${recordingFolder}/`;
}

/** A key under sessions/, read back. */
export interface RecordingKeyParts {
  recordingFolder: string;
  /** The path inside the folder ('recording.mp4'; deeper paths stay whole). */
  file: string;
  /** When the folder name starts with a timestamp: that time as ISO 8601 UTC. */
  folderIsoTime?: string;
}

/** The folder and file of a key under sessions/, or undefined for any other key. */
export function parseRecordingKey(key: string): RecordingKeyParts | undefined {
  if (!isRecordingsKey(key)) return undefined;
  const rest = key.slice(RECORDINGS_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  const recordingFolder = rest.slice(0, slash);
  const time = folderIsoTime(recordingFolder);
  return { recordingFolder, file: rest.slice(slash + 1), ...(time ? { folderIsoTime: time } : {}) };
}

/** 20260206_143052 (or 20260206_143052_H1) -> 2026-02-06T14:30:52Z; undefined when the name starts otherwise. */
export function folderIsoTime(recordingFolder: string): string | undefined {
  const m = LEADING_TIMESTAMP.exec(recordingFolder);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}

/** Folders of the spec's form, named by the timestamp alone. */
export function isTimestampFolder(recordingFolder: string): boolean {
  return RECORDING_TIMESTAMP_PATTERN.test(recordingFolder);
}

/** Whether a key is one recordingKey() builds: a client may only name keys the server issued. */
export function isIssuedRecordingKey(key: string): boolean {
  const parts = parseRecordingKey(key);
  return !!parts && isTimestampFolder(parts.recordingFolder) && Object.values<string>(RECORDING_FILE_NAMES).includes(parts.file);
}

/** Keys under sessions/: what this server writes, as opposed to other tools sharing the bucket. */
export function isRecordingsKey(key: string): boolean {
  return key.startsWith(RECORDINGS_PREFIX);
}

/** Lower-case extension without the dot ('mp4'), or '' when the file name has none. */
export function extensionOf(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}
