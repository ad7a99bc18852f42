/** A recording's lifecycle, the integrity gate's verdicts and people's decisions: shared by the store, the protocol and the API. */
export const RECORDING_STATES = ['recording', 'uploading', 'verifying', 'verified', 'rejected', 'incomplete'] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];
export const RECORDING_VERDICTS = ['pass', 'fail'] as const;
export type RecordingVerdict = (typeof RECORDING_VERDICTS)[number];
export const RECORDING_DECISIONS = ['keep', 'discard'] as const;
export type RecordingDecision = (typeof RECORDING_DECISIONS)[number];
