/** Size limits of client payloads, part of the protocol (clients can check them before sending). */
export const MAX_LOCK_BATCH = 50;
export const MAX_SESSION_DEVICES = 50;
export const MAX_SESSION_METADATA_BYTES = 100 * 1024;
/** Deepest nesting of objects and arrays in free-form JSON (session metadata). */
export const MAX_JSON_DEPTH = 32;
export const MAX_SYNC_METADATA_BYTES = 100 * 1024;
export const MAX_STATUS_BYTES = 10 * 1024;
