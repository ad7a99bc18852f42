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
 * YYYYMMDD_HHMMSS in UTC, followed by `_{deviceId}` when the upload carries a
 * device (a headset token, or `deviceId` in an admin's start body): several
 * headsets started in the same second then get a folder each. That folder name
 * is the recording's `recordingId`. Uploads without a device (the admin key
 * alone) keep the spec's form `{YYYYMMDD_HHMMSS}`, and folders of that form
 * stay readable everywhere; readers take any folder name and read a time from
 * the name where it starts with one. (The spec calls the folder name a
 * "session ID" on the wire; inside the server it is a recording folder, not a
 * capture session.)
 */

export const RECORDINGS_PREFIX = 'sessions/';
export const PROCESSED_PREFIX = 'client_output/';

/** The timestamp recording folders are named by: 20260206_143052. */
export const RECORDING_TIMESTAMP_PATTERN = /^\d{8}_\d{6}$/;
/** A leading timestamp: the spec's folders are only that, a recording's continue with `_{deviceId}`. */
const LEADING_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:_|$)/;

export const RECORDING_FILE_NAMES = { video: 'recording.mp4', data: 'session_data.npz' } as const;
export type RecordingFileType = keyof typeof RECORDING_FILE_NAMES;

/** A recordingId: `{YYYYMMDD_HHMMSS}_{deviceId}` (the device ID rule of domain/ids). */
export const RECORDING_ID_PATTERN = /^\d{8}_\d{6}_[a-zA-Z0-9_-]{1,64}$/;
/** Any folder this server writes: the spec's timestamp alone, or a recordingId. */
export const RECORDING_FOLDER_PATTERN = /^\d{8}_\d{6}(?:_[a-zA-Z0-9_-]{1,64})?$/;

/**
 * The folder a recording's files go to: `{timestamp}_{deviceId}` (its recordingId)
 * when the uploader is a device, the spec's `{timestamp}` otherwise.
 */
export function recordingFolder(timestamp: string, deviceId?: string): string {
  if (!RECORDING_TIMESTAMP_PATTERN.test(timestamp))
    throw new RangeError(`not a recording timestamp (YYYYMMDD_HHMMSS): ${JSON.stringify(timestamp.slice(0, 40))}`);
  if (deviceId === undefined) return timestamp;
  const folder = `${timestamp}_${deviceId}`;
  if (!RECORDING_ID_PATTERN.test(folder)) throw new RangeError('not a device ID');
  return folder;
}

/** The key a recording file is stored under: in its recordingId's folder when a device uploads it. */
export function recordingKey(timestamp: string, fileType: RecordingFileType, deviceId?: string): string {
  return `${recordingFolderPrefix(recordingFolder(timestamp, deviceId))}${RECORDING_FILE_NAMES[fileType]}`;
}

/** The key of a file in a recording folder (one recordingKey or the manifest sidecar). */
export function recordingFileKey(folder: string, file: RecordingFileType | 'manifest'): string {
  if (!RECORDING_FOLDER_PATTERN.test(folder)) throw new RangeError('not a recording folder');
  return `${recordingFolderPrefix(folder)}${file === 'manifest' ? MANIFEST_FILE_NAME : RECORDING_FILE_NAMES[file]}`;
}

/** The sidecar written beside a verified recording's files, so a copied folder describes itself. */
export const MANIFEST_FILE_NAME = 'manifest.json';

/** The recordingId a key belongs to, when it is a recording file in a folder of the recordingId form. */
export function recordingIdOfKey(key: string): { recordingId: string; fileType: RecordingFileType } | undefined {
  const parts = parseRecordingKey(key);
  if (!parts || !RECORDING_ID_PATTERN.test(parts.recordingFolder)) return undefined;
  const fileType = (Object.keys(RECORDING_FILE_NAMES) as RecordingFileType[]).find((t) => RECORDING_FILE_NAMES[t] === parts.file);
  return fileType ? { recordingId: parts.recordingFolder, fileType } : undefined;
}

/** The device and start second a recordingId names. */
export function parseRecordingId(recordingId: string): { timestamp: string; deviceId: string } | undefined {
  if (!RECORDING_ID_PATTERN.test(recordingId)) return undefined;
  return { timestamp: recordingId.slice(0, 15), deviceId: recordingId.slice(16) };
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

/** Folders this server writes: the spec's form or a recordingId. */
export function isRecordingFolder(recordingFolder: string): boolean {
  return RECORDING_FOLDER_PATTERN.test(recordingFolder);
}

/** Whether a key is one recordingKey() builds: a client may only name keys the server issued. */
export function isIssuedRecordingKey(key: string): boolean {
  const parts = parseRecordingKey(key);
  return !!parts && isRecordingFolder(parts.recordingFolder) && Object.values<string>(RECORDING_FILE_NAMES).includes(parts.file);
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
