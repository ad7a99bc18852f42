import { z } from 'zod';
import { SESSION_ID_PATTERN, deviceIdSchema } from '../domain/ids';
import { RECORDING_TIMESTAMP_PATTERN, isIssuedRecordingKey } from '../domain/layout';
import { MAX_PARTS } from './part-size';

/** Request shapes of the upload endpoints. Everything a client sends passes through one of these. */

export const timestampSchema = z
  .string({ message: 'timestamp is required' })
  .regex(RECORDING_TIMESTAMP_PATTERN, { message: 'timestamp must be YYYYMMDD_HHMMSS, e.g. 20260206_143052' });

const fileTypeSchema = z.enum(['video', 'data'], { message: "fileType must be 'video' or 'data'" });

const sessionIdSchema = z.string().regex(SESSION_ID_PATTERN, { message: 'sessionId must be 1-100 characters of a-z, A-Z, 0-9, _, . or -' });

/** Opaque IDs from S3 (or the local driver); the character set keeps them safe as Redis keys and in logs. */
const uploadIdSchema = z
  .string({ message: 'uploadId is required' })
  .regex(/^[A-Za-z0-9._~+=-]{1,1024}$/, { message: 'uploadId is not an upload ID this server issued' });

/** Only keys this server derives: sessions/{timestamp}[_{deviceId}]/recording.mp4 or session_data.npz. */
const s3KeySchema = z.string({ message: 's3Key is required' }).refine(isIssuedRecordingKey, {
  message: 's3Key is not a key this server issued (sessions/{timestamp}[_{deviceId}]/recording.mp4 or session_data.npz)',
});

/** The client's SHA-256 of the whole file, checked by the recordings' integrity gate. */
export const sha256Schema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hexadecimal characters' })
  .transform((hex) => hex.toLowerCase());

export const partNumberSchema = z.coerce
  .number({ message: 'partNumber must be a number' })
  .int({ message: 'partNumber must be a whole number' })
  .min(1, { message: `partNumber must be between 1 and ${MAX_PARTS}` })
  .max(MAX_PARTS, { message: `partNumber must be between 1 and ${MAX_PARTS}` });

export function startSchema(maxUploadBytes: number) {
  return z.object({
    timestamp: timestampSchema,
    fileType: fileTypeSchema,
    fileSize: z
      .number({ message: 'fileSize must be a number of bytes' })
      .int({ message: 'fileSize must be a whole number of bytes' })
      .positive({ message: 'fileSize must be greater than 0' })
      .max(maxUploadBytes, { message: `fileSize exceeds the limit of ${maxUploadBytes} bytes` }),
    fileName: z.string().max(255, { message: 'fileName is longer than 255 characters' }).optional(),
    sessionId: sessionIdSchema.optional(),
    /** With the admin key: the headset this recording is from (its folder is then {timestamp}_{deviceId}). */
    deviceId: deviceIdSchema.optional(),
    sha256: sha256Schema.optional(),
  });
}

const uploadRef = { uploadId: uploadIdSchema, s3Key: s3KeySchema };

export const uploadRefSchema = z.object(uploadRef);

export const signPartsSchema = z.object({
  ...uploadRef,
  partNumbers: z
    .array(partNumberSchema, { message: 'partNumbers must be an array of part numbers' })
    .min(1, { message: 'partNumbers is empty' })
    .max(1000, { message: 'at most 1000 partNumbers per call' }),
});

export const completeSchema = z.object({
  ...uploadRef,
  parts: z
    .array(
      z.object({
        partNumber: partNumberSchema,
        etag: z
          .string({ message: 'etag is required' })
          .regex(/^[\x21-\x7e]{1,200}$/, { message: 'etag must be 1-200 printable characters' }),
      }),
      { message: 'parts must be an array of { partNumber, etag }' },
    )
    .min(1, { message: 'parts is empty' })
    .max(MAX_PARTS, { message: `at most ${MAX_PARTS} parts` }),
});

export const legacyFieldsSchema = z.object({
  timestamp: timestampSchema,
  sessionId: sessionIdSchema.optional(),
  deviceId: deviceIdSchema.optional(),
});

export type StartRequest = z.output<ReturnType<typeof startSchema>>;
export type SignPartsRequest = z.output<typeof signPartsSchema>;
export type CompleteRequest = z.output<typeof completeSchema>;
export type UploadRef = z.output<typeof uploadRefSchema>;

/** Answer shapes of the upload endpoints: the service returns these types, the OpenAPI document and the client read them. */

const partUrlSchema = z.object({ partNumber: z.number().int(), url: z.string() });
const storedPartSchema = z.object({
  partNumber: z.number().int(),
  /** Quoted MD5 of the part, as S3 answers it. */
  etag: z.string(),
  size: z.number().int(),
});

export const startAnswerSchema = z.object({
  ok: z.literal(true),
  uploadId: z.string(),
  s3Key: z.string(),
  totalParts: z.number().int(),
  /** Every part is this size but the last. */
  chunkSize: z.number().int(),
  /** The first UPLOAD_URLS_PER_ANSWER parts' URLs; sign the rest with sign-parts. */
  presignedUrls: z.array(partUrlSchema),
  /** When the URLs stop working (ISO time); sign again after that. */
  expiresAt: z.string(),
});

export const signPartsAnswerSchema = z.object({
  ok: z.literal(true),
  uploadId: z.string(),
  s3Key: z.string(),
  presignedUrls: z.array(partUrlSchema),
  expiresAt: z.string(),
});

export const partsAnswerSchema = z.object({
  ok: z.literal(true),
  uploadId: z.string(),
  s3Key: z.string(),
  status: z.enum(['in-progress', 'completed']),
  totalParts: z.number().int(),
  chunkSize: z.number().int(),
  /** The parts storage holds (empty once completed): resume by uploading the others. */
  parts: z.array(storedPartSchema),
  bytesStored: z.number().int(),
});

export const completeAnswerSchema = z.object({
  ok: z.literal(true),
  uploadId: z.string(),
  s3Key: z.string(),
  size: z.number().int(),
  etag: z.string(),
  location: z.string(),
  /** True when this upload was already completed (a repeated complete is answered the same way). */
  alreadyCompleted: z.boolean(),
});

export const abortAnswerSchema = z.object({ ok: z.literal(true), uploadId: z.string(), s3Key: z.string(), aborted: z.literal(true) });

/** One stored file of the legacy upload's answer. */
const storedFileSchema = z.object({ key: z.string(), size: z.number().int(), etag: z.string(), location: z.string() });

export const legacyAnswerSchema = z.object({
  ok: z.literal(true),
  timestamp: z.string(),
  sessionId: z.string().optional(),
  /** The files sent: video, data, or both (either may be sent alone). */
  files: z.object({ video: storedFileSchema.optional(), data: storedFileSchema.optional() }),
});

export type StartAnswer = z.output<typeof startAnswerSchema>;
export type SignPartsAnswer = z.output<typeof signPartsAnswerSchema>;
export type PartsAnswer = z.output<typeof partsAnswerSchema>;
export type CompleteAnswer = z.output<typeof completeAnswerSchema>;
export type AbortAnswer = z.output<typeof abortAnswerSchema>;
export type LegacyAnswer = z.output<typeof legacyAnswerSchema>;
