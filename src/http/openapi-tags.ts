/**
 * What each section (tag) of the OpenAPI document is about, shown above its routes at /api/docs.
 * A feature whose routes bring a new tag adds its line here (the API documents' lint test fails on
 * a tag without a description).
 */
export const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  health: 'Liveness (/test), readiness with the state of Redis and storage (/health), and Prometheus metrics.',
  fleet: 'The headsets the server knows: their state, telemetry and presence, and the fleet summary.',
  alarms: 'Operator alarms raised from telemetry and events, their acknowledgement, and the webhook deliveries that carry them.',
  locks: "Operators' actions on a headset's control: releasing a stale tablet's lock and stopping a recording from the console.",
  commands: 'The command ledger: every recording command sent to a headset and how it ended (confirmed, failed, expired).',
  sessions: 'Capture sessions: a tablet, its headsets, and the takes recorded together.',
  uploads: "Recordings' files: the chunked upload (start, signed parts, complete, abort) and the legacy single-request upload.",
  quality: 'Quality reports of the recordings of a session: frame rates, tracking, gaps.',
  storage: 'What the storage (local disk or the S3 bucket) holds.',
  recordings: 'Takes as the server keeps them: their files, integrity verdict, curation (keep or discard, tags) and export.',
  datasets: 'LeRobotDataset v3.0 builds from verified takes: create one, follow its job, read its manifest, delete it.',
  audit: "Devices' and sessions' timelines, the audit log of operator actions, and telemetry history.",
  auth: 'Device tokens: operators mint the JWT a headset, tablet or dashboard connects with.',
  documents: 'This document, the AsyncAPI document of the Socket.IO protocol, and their browsable reference.',
};
