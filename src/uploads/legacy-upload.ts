import type { Request, Router } from 'express';
import { Router as createRouter } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import { PassThrough } from 'node:stream';
import type { RestAuthDeps } from '../http/require-auth';
import { requireAuth } from '../http/require-auth';
import { DomainError, isDomainError } from '../domain/errors';
import { recordingKey } from '../domain/layout';
import type { ObjectStorage } from '../storage';
import { handle, uploaderOf } from './http';
import { uploaderFor } from './uploader';
import { legacyAnswerSchema, legacyFieldsSchema, timestampSchema, type LegacyAnswer } from './schemas';
import { deviceIdSchema } from '../domain/ids';
import type { SessionUploads } from '../sessions';
import { CONTENT_TYPES, type UploadService } from './upload-service';
import type { KeyClaims } from './key-claims';
import { parseOr400 } from '../http/validate';
import { storageWriteRefusal } from '../storage';
import type { RouteDoc } from '../http/route-doc';

export const legacyUploadRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/upload-session',
    tag: 'uploads',
    summary: 'Legacy single-request upload of a recording (video and/or data)',
    description: 'The `timestamp` field must come before the files in the form. Prefer the chunked upload for anything large.',
    auth: ['headset'],
    body: {
      multipart: legacyFieldsSchema,
      files: { video: 'The recording.mp4 (optional if data is sent).', data: 'The session_data.npz (optional if video is sent).' },
    },
    answer: legacyAnswerSchema,
    errors: ['too_large', 'key_conflict', 'quota_exceeded', 'store_unavailable', 'storage_unavailable', 'storage_full'],
  },
];

const FILE_FIELDS = { video: 'video', data: 'data' } as const;
type FileField = keyof typeof FILE_FIELDS;

interface StoredFile {
  key: string;
  size: number;
  etag: string;
}

/**
 * A multer storage engine over ObjectStorage.putObjectStream: each file streams
 * straight to its final key (S3 through lib-storage's managed upload, local disk
 * through a temporary file renamed into place), never whole in memory. The key
 * comes from the `timestamp` (and an admin's `deviceId`) field, so they must precede the files in the form.
 */
function storageEngine(storage: ObjectStorage, claims: KeyClaims, checkStart: UploadService['checkStart']): StorageEngine {
  return {
    _handleFile(req, file, callback) {
      const timestamp = timestampSchema.safeParse((req.body as Record<string, unknown> | undefined)?.timestamp);
      if (!timestamp.success) {
        file.stream.resume();
        return callback(new DomainError('invalid', 'the timestamp field (YYYYMMDD_HHMMSS) must come before the files in the form'));
      }
      const named = (req.body as Record<string, unknown>).deviceId;
      const deviceId = named === undefined ? undefined : deviceIdSchema.safeParse(named);
      if (deviceId && !deviceId.success) {
        file.stream.resume();
        return callback(new DomainError('invalid', deviceId.error.issues[0]!.message));
      }
      const fileType = file.fieldname as FileField;
      let uploader;
      try {
        // requireAuth ran before multer, so the response knows who is uploading; as on the chunked route, a device's files go to its recording's folder.
        uploader = uploaderFor(uploaderOf(req.res!), deviceId?.data);
      } catch (err) {
        file.stream.resume();
        return callback(err);
      }
      const key = recordingKey(timestamp.data, fileType, uploader.deviceId);
      // Busboy ends a file that hits the size limit as if it were complete; fail the copy instead, so nothing truncated is stored.
      const body = new PassThrough();
      file.stream.on('limit', () => body.destroy(new MulterError('LIMIT_FILE_SIZE', file.fieldname)));
      // The same ownership rule as the chunked route: another uploader's recording is never replaced.
      checkStart(key, uploader)
        .then(() => claims.claim(key, uploader))
        .then(
          ({ isNew }) => {
            file.stream.pipe(body);
            storage.putObjectStream(key, body, CONTENT_TYPES[fileType]).then(
              (stored) => callback(null, { path: key, size: stored.size, destination: stored.etag }),
              async (err: unknown) => {
                if (isNew) await claims.release(key, uploader);
                // Marked as the server's side, so multerError does not take it for a malformed form.
                callback(
                  storageWriteRefusal(err) ??
                    new DomainError('storage_unavailable', 'storage is unavailable; try again later', { cause: err }),
                );
              },
            );
          },
          (err: unknown) => {
            file.stream.resume();
            callback(isDomainError(err) ? err : new DomainError('internal', 'could not claim the object key', { cause: err }));
          },
        );
    },
    // Each stored file is whole; a later failure in the same request leaves it (a retry replaces it).
    _removeFile(_req, _file, callback) {
      callback(null);
    },
  };
}

export interface LegacyRouteOptions {
  auth: RestAuthDeps;
  storage: ObjectStorage;
  service: UploadService;
  sessions: SessionUploads;
  maxUploadBytes: number;
}

/** POST /upload-session: the legacy single-request upload of `video` and/or `data`. */
export function legacyUploadRoutes({ auth, storage, service, sessions, maxUploadBytes }: LegacyRouteOptions): Router {
  const router = createRouter();
  const upload = multer({
    storage: storageEngine(storage, service.claims, (key, uploader) => service.checkStart(key, uploader)),
    limits: { fileSize: maxUploadBytes, files: 2, fields: 8, fieldSize: 1024, parts: 10 },
  }).fields([
    { name: FILE_FIELDS.video, maxCount: 1 },
    { name: FILE_FIELDS.data, maxCount: 1 },
  ]);

  router.post(
    '/upload-session',
    requireAuth(auth, ['headset']),
    (req, res, next) => {
      res.locals.uploadStartedAt = Date.now();
      upload(req, res, (err: unknown) => next(err ? multerError(err) : undefined));
    },
    handle(async (req, res) => {
      const startedAt = res.locals.uploadStartedAt as number;
      const fields = parseOr400(legacyFieldsSchema, req.body, 'form fields');
      const uploaded = filesOf(req);
      if (uploaded.length === 0) throw new DomainError('invalid', 'no file: send a `video` and/or a `data` file field');
      const { deviceId } = uploaderFor(uploaderOf(res), fields.deviceId);
      const files: Record<string, StoredFile & { location: string }> = {};
      for (const { field, file } of uploaded) {
        files[field] = { key: file.path, size: file.size, etag: file.destination, location: `${storage.location}/${file.path}` };
        service.recordFinished(field, file.size, (Date.now() - startedAt) / 1000);
        // As the chunked path logs its completions (upload-service.ts); the key is the server's.
        req.log?.info({ key: file.path, size: file.size, deviceId, legacy: true }, 'upload completed');
      }
      for (const [fileType, file] of Object.entries(files) as Array<[FileField, StoredFile]>) {
        await service.announce({
          uploadId: `legacy:${file.key}`,
          key: file.key,
          fileType,
          fileSize: file.size,
          change: 'completed',
          etag: file.etag,
          ...(deviceId ? { deviceId } : {}),
          ...(fields.sessionId ? { sessionId: fields.sessionId } : {}),
        });
      }
      await sessions.uploadProgress(fields.sessionId, deviceId, { uploadStatus: 'completed', uploadProgress: 100 });
      return {
        ok: true,
        timestamp: fields.timestamp,
        ...(fields.sessionId ? { sessionId: fields.sessionId } : {}),
        files,
      } satisfies LegacyAnswer;
    }),
  );
  return router;
}

function filesOf(req: Request): Array<{ field: FileField; file: Express.Multer.File }> {
  const byField = (req.files ?? {}) as Record<string, Express.Multer.File[] | undefined>;
  return (Object.keys(FILE_FIELDS) as FileField[]).flatMap((field) => {
    const file = byField[field]?.[0];
    return file ? [{ field, file }] : [];
  });
}

function multerError(err: unknown): unknown {
  if (isDomainError(err)) return err;
  // Busboy's parse errors ("Unexpected end of form", "Malformed part header", no boundary) are plain Errors: the client's fault.
  if (!(err instanceof MulterError)) return new DomainError('invalid', `malformed upload form: ${(err as Error)?.message ?? 'unreadable'}`);
  if (err.code === 'LIMIT_FILE_SIZE')
    return new DomainError('too_large', `file ${err.field ?? ''} is larger than the limit`.replace('  ', ' '));
  if (err.code === 'LIMIT_UNEXPECTED_FILE')
    return new DomainError('invalid', `unexpected file field ${JSON.stringify(err.field ?? '')}; expected video or data`);
  return new DomainError('invalid', `malformed upload form: ${err.message}`);
}
