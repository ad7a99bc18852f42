import { z } from 'zod';

/** A capture session's lifecycle: pending -> recording <-> paused -> completed (-> uploading while files arrive). */
export const SESSION_STATUSES = ['pending', 'recording', 'paused', 'completed', 'uploading'] as const;
export const sessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

/** Statuses of a session that still holds its tablet and devices. */
export const ACTIVE_SESSION_STATUSES: readonly SessionStatus[] = ['pending', 'recording', 'paused'];

export const UPLOAD_STATUSES = ['pending', 'uploading', 'completed', 'failed'] as const;

/** One device's part in a capture session (the spec's DeviceSessionStatus). */
export const deviceSessionStatusSchema = z.object({
  isRecording: z.boolean(),
  frameCount: z.number(),
  uploadProgress: z.number(),
  uploadStatus: z.enum(UPLOAD_STATUSES),
  /** Beyond the spec: the device's latest recording in this session and its integrity verdict. */
  recordingId: z.string().optional(),
  verdict: z.enum(['pass', 'fail']).optional(),
  /** Beyond the spec: when the device last started recording in this session (server epoch ms), and the command batch of that start. */
  startedAt: z.number().int().optional(),
  startBatchId: z.string().optional(),
});
export type DeviceSessionStatus = z.infer<typeof deviceSessionStatusSchema>;

export const EMPTY_DEVICE_STATUS: DeviceSessionStatus = Object.freeze({
  isRecording: false,
  frameCount: 0,
  uploadProgress: 0,
  uploadStatus: 'pending',
});
