import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { UploadGauges } from './upload-gauges';
import type { Store, UploadRecord } from '../state';
import { bareEtag, type ObjectStorage, type StoredPart } from '../storage';
import { recordingKey } from '../domain/layout';
import { planParts } from './part-size';
import type {
  AbortAnswer,
  CompleteAnswer,
  CompleteRequest,
  PartsAnswer,
  SignPartsAnswer,
  SignPartsRequest,
  StartAnswer,
  StartRequest,
  UploadRef,
} from './schemas';
import type { SessionUploads } from '../sessions';
import { DomainError, isDomainError } from '../domain/errors';
import { storageWriteRefusal } from '../storage';
import { KeyClaims } from './key-claims';
import { StartGuards, type StartGuard } from './start-guards';

import { uploaderFor, type Uploader } from './uploader';
import type { DomainEventMap, DomainEvents } from '../domain/events';
export type { Uploader } from './uploader';
/** The uploader an upload record belongs to (an operator may act on a headset's upload). */
const ownerOf = (record: UploadRecord): Uploader => (record.deviceId ? { deviceId: record.deviceId } : {});

function uploadEvent(record: UploadRecord, change: DomainEventMap['upload.changed']['change']): DomainEventMap['upload.changed'] {
  return {
    uploadId: record.uploadId,
    key: record.key,
    fileType: record.fileType,
    fileSize: record.fileSize,
    change,
    ...(record.deviceId ? { deviceId: record.deviceId } : {}),
    ...(record.sessionId ? { sessionId: record.sessionId } : {}),
    ...(record.etag ? { etag: record.etag } : {}),
    ...(record.sha256 ? { sha256: record.sha256 } : {}),
  };
}

export const CONTENT_TYPES = { video: 'video/mp4', data: 'application/octet-stream' } as const;

export interface UploadServiceOptions {
  store: Store;
  storage: ObjectStorage;
  metrics: Metrics;
  gauges: UploadGauges;
  logger: Logger;
  sessions: SessionUploads;
  events: DomainEvents;
  partUrlExpirySeconds: number;
  /** Part URLs in a start answer: a 100 GiB file has over 9,000 parts, too many for one answer. */
  urlsPerAnswer: number;
  /** A headset's uploads in progress at once (UPLOADS_IN_PROGRESS_PER_DEVICE). */
  inProgressPerDevice: number;
}

/** Who is uploading: a headset (by device ID) or an operator with the admin key. */
export interface PartUrl {
  partNumber: number;
  url: string;
}

/**
 * Chunked uploads, independent of HTTP: the routes validate and call these.
 * The store keeps one record per upload (what was declared, by whom); storage
 * holds the parts. Relative part URLs (local driver) are resolved against `baseUrl`.
 */
export class UploadService {
  /** Who may write each object key; the legacy route claims through it too. */
  readonly claims: KeyClaims;
  private readonly guards = new StartGuards();

  constructor(private readonly o: UploadServiceOptions) {
    this.claims = new KeyClaims(o.store, o.storage);
  }

  /** Adds a check every upload start must pass (chunked and legacy); it refuses by throwing a DomainError. */
  guardStarts(guard: StartGuard): void {
    this.guards.add(guard);
  }

  /**
   * What an upload must pass before it starts: its headset's uploads in progress are
   * under the cap (the store checks again, atomically, when the upload is saved), and
   * every registered guard agrees.
   */
  async checkStart(key: string, uploader: Uploader): Promise<void> {
    if (uploader.deviceId && (await this.o.store.uploads.inProgressOf(uploader.deviceId)) >= this.o.inProgressPerDevice) {
      throw this.tooManyInProgress();
    }
    await this.guards.check(key, uploader);
  }

  async start(req: StartRequest, caller: Uploader, baseUrl: string): Promise<StartAnswer> {
    const uploader = uploaderFor(caller, req.deviceId);
    // A device's upload goes to its recording's own folder, so headsets started in one second never collide.
    const key = recordingKey(req.timestamp, req.fileType, uploader.deviceId);
    await this.checkStart(key, uploader);
    const { isNew } = await this.claims.claim(key, uploader);
    const { partSize, totalParts } = planParts(req.fileSize);
    const uploadId = await this.o.storage.multipart
      .createMultipartUpload(key, { contentType: CONTENT_TYPES[req.fileType], partSize })
      .catch(async (err: unknown) => {
        if (isNew) await this.claims.release(key, uploader);
        throw this.storageFailed(err);
      });
    const record: UploadRecord = {
      uploadId,
      key,
      fileType: req.fileType,
      fileSize: req.fileSize,
      partSize,
      totalParts,
      ...(uploader.deviceId ? { deviceId: uploader.deviceId } : {}),
      ...(req.sessionId ? { sessionId: req.sessionId } : {}),
      ...(req.sha256 ? { sha256: req.sha256 } : {}),
      startedAt: new Date(),
      status: 'in-progress',
    };
    if (!(await this.o.store.uploads.begin(record, this.o.inProgressPerDevice))) {
      // Concurrent starts passed the first check together; the store let only the cap's worth in.
      await this.o.storage.multipart.abortMultipartUpload(key, uploadId).catch(() => undefined);
      if (isNew) await this.claims.release(key, uploader);
      throw this.tooManyInProgress();
    }
    // The first parts only; the client signs the rest with sign-parts as it gets to them.
    const numbers = Array.from({ length: Math.min(totalParts, this.o.urlsPerAnswer) }, (_, i) => i + 1);
    const presignedUrls = await this.sign(record, numbers, baseUrl);
    this.o.logger.info({ uploadId, key, fileSize: req.fileSize, totalParts, deviceId: uploader.deviceId }, 'upload started');
    await this.o.sessions.uploadProgress(record.sessionId, record.deviceId, { uploadStatus: 'uploading', uploadProgress: 0 });
    await this.refreshInProgress();
    await this.announce(uploadEvent(record, 'started'));
    return { ok: true as const, uploadId, s3Key: key, totalParts, chunkSize: partSize, presignedUrls, expiresAt: this.expiresAt() };
  }

  async signParts(req: SignPartsRequest, uploader: Uploader, baseUrl: string): Promise<SignPartsAnswer> {
    const record = await this.inProgress(req, uploader);
    const seen = new Set<number>();
    for (const n of req.partNumbers) {
      if (n > record.totalParts) throw new DomainError('invalid', `part ${n} is beyond this upload's ${record.totalParts} parts`);
      if (seen.has(n)) throw new DomainError('invalid', `part ${n} is listed twice`);
      seen.add(n);
    }
    return {
      ok: true as const,
      uploadId: record.uploadId,
      s3Key: record.key,
      presignedUrls: await this.sign(record, req.partNumbers, baseUrl),
      expiresAt: this.expiresAt(),
    };
  }

  async listParts(ref: UploadRef, uploader: Uploader): Promise<PartsAnswer> {
    const record = await this.owned(ref, uploader);
    const base = {
      ok: true as const,
      uploadId: record.uploadId,
      s3Key: record.key,
      status: record.status,
      totalParts: record.totalParts,
      chunkSize: record.partSize,
    };
    if (record.status === 'completed') return { ...base, parts: [] as StoredPart[], bytesStored: record.fileSize };
    let parts: StoredPart[];
    try {
      parts = await this.storedParts(record);
    } catch (err) {
      // A complete that storage finished before a restart: the retry's resume learns it is done.
      if (!isDomainError(err) || err.code !== 'not_found') throw err;
      await this.completedMeanwhile(record);
      return { ...base, status: 'completed' as const, parts: [] as StoredPart[], bytesStored: record.fileSize };
    }
    const bytesStored = parts.reduce((sum, p) => sum + p.size, 0);
    const progress = Math.min(99, Math.floor((bytesStored / record.fileSize) * 100));
    await this.o.sessions.uploadProgress(record.sessionId, record.deviceId, { uploadStatus: 'uploading', uploadProgress: progress });
    return { ...base, parts, bytesStored };
  }

  async complete(req: CompleteRequest, uploader: Uploader): Promise<CompleteAnswer> {
    const record = await this.owned(req, uploader);
    if (record.status === 'completed') return this.completedAnswer(record, true);
    const parts = this.checkNumbering(record, req.parts);
    return this.completeParts(record, parts).catch((err: unknown) => {
      if (!isDomainError(err) || err.code !== 'not_found') throw err;
      return this.completedMeanwhile(record);
    });
  }

  /**
   * Storage no longer holds the multipart upload. A complete that storage finished before its process died
   * (SIGKILL, restart) left the object whole and the record in progress: the client's retry finishes the
   * record, so the recording and its session move on. A concurrent complete is a repeat. Otherwise it is gone.
   */
  private async completedMeanwhile(record: UploadRecord): Promise<CompleteAnswer> {
    const again = await this.o.store.uploads.get(record.uploadId);
    if (again?.status === 'completed') return this.completedAnswer(again, true);
    const object = await this.o.storage.headObject(record.key).catch((err: unknown) => {
      throw this.storageFailed(err);
    });
    if (object?.size !== record.fileSize) {
      throw new DomainError('not_found', 'storage no longer holds this upload (aborted or expired); start a new one');
    }
    this.o.logger.warn(
      { uploadId: record.uploadId, key: record.key },
      'upload completed in storage before a restart; its record is finished now',
    );
    return this.completedAnswer(await this.finished(record, object.etag), true);
  }

  private async completeParts(record: UploadRecord, parts: CompleteRequest['parts']): Promise<CompleteAnswer> {
    const stored = new Map((await this.storedParts(record)).map((p) => [p.partNumber, p]));
    let total = 0;
    for (const given of parts) {
      const part = stored.get(given.partNumber);
      if (!part) throw this.invalid(`part ${given.partNumber} has not been uploaded`);
      if (bareEtag(part.etag) !== bareEtag(given.etag)) {
        throw this.invalid(`part ${given.partNumber}: ETag ${given.etag} does not match the stored part (${part.etag})`, 'etag_mismatch');
      }
      total += part.size;
    }
    if (total !== record.fileSize) {
      throw this.invalid(`the parts add up to ${total} bytes but the upload declared ${record.fileSize}`, 'size_mismatch');
    }
    // The key must still be this upload's owner's: a claim given up (another upload of the owner aborted) or lost is taken again, or refused.
    await this.claims.claim(record.key, ownerOf(record));
    let etag: string;
    try {
      ({ etag } = await this.o.storage.multipart.completeMultipartUpload(
        record.key,
        record.uploadId,
        parts.map((p) => ({ partNumber: p.partNumber, etag: stored.get(p.partNumber)!.etag })),
      ));
    } catch (err) {
      // Storage refusals come as DomainErrors (invalid_parts: S3 refused the parts; not_found: see completedMeanwhile).
      if (!isDomainError(err)) throw this.storageFailed(err);
      throw err;
    }
    return this.completedAnswer(await this.finished(record, etag), false);
  }

  /** Saves a completed upload and tells the session, the gauges and the domain. */
  private async finished(record: UploadRecord, etag: string): Promise<UploadRecord> {
    const done: UploadRecord = { ...record, status: 'completed', completedAt: new Date(), etag };
    await this.o.store.uploads.save(done);
    this.recordFinished(record.fileType, record.fileSize, (Date.now() - record.startedAt.getTime()) / 1000);
    this.o.logger.info({ uploadId: record.uploadId, key: record.key, size: record.fileSize }, 'upload completed');
    await this.o.sessions.uploadProgress(record.sessionId, record.deviceId, { uploadStatus: 'completed', uploadProgress: 100 });
    await this.refreshInProgress();
    await this.announce(uploadEvent(done, 'completed'));
    return done;
  }

  async abort(ref: UploadRef, uploader: Uploader): Promise<AbortAnswer> {
    const record = await this.owned(ref, uploader);
    if (record.status === 'completed') throw new DomainError('conflict', 'this upload is already completed');
    await this.discard(record, 'aborted');
    return { ok: true as const, uploadId: record.uploadId, s3Key: record.key, aborted: true };
  }

  /**
   * Aborts an in-progress upload in storage and forgets it (client abort or the
   * sweep). The sweep passes refreshGauges false and refreshes once at its end.
   */
  async discard(record: UploadRecord, reason: 'aborted' | 'expired', refreshGauges = true): Promise<void> {
    await this.o.storage.multipart.abortMultipartUpload(record.key, record.uploadId).catch((err: unknown) => {
      throw this.storageFailed(err);
    });
    await this.o.store.uploads.remove(record.uploadId);
    await this.claims.release(record.key, ownerOf(record));
    this.o.metrics.uploadErrors.inc({ error_type: reason });
    this.o.logger.info({ uploadId: record.uploadId, key: record.key, reason }, 'upload discarded');
    await this.o.sessions.uploadProgress(record.sessionId, record.deviceId, { uploadStatus: 'failed', uploadProgress: 0 });
    if (refreshGauges) await this.refreshInProgress();
    await this.announce(uploadEvent(record, reason));
  }

  /**
   * Tells the domain an upload moved on. The upload itself is already done by
   * then, so a listener's failure is logged, not answered to the uploader.
   */
  async announce(event: DomainEventMap['upload.changed']): Promise<void> {
    await this.o.events.publish('upload.changed', event).catch((err: unknown) => {
      this.o.logger.error({ err, uploadId: event.uploadId, change: event.change }, 'a listener failed on an upload change');
    });
  }

  /** Metrics for an upload that finished (chunked or legacy). */
  recordFinished(fileType: 'video' | 'data', size: number, seconds: number): void {
    this.o.metrics.uploadDuration.observe({ file_type: fileType }, seconds);
    this.o.metrics.uploadSize.observe({ file_type: fileType }, size);
    this.o.metrics.uploadBytes.inc({ file_type: fileType }, size);
  }

  /** The gauges read the store's in-progress count, so they stay right across restarts. */
  async refreshInProgress(): Promise<void> {
    try {
      const { count, oldestStartedAt } = await this.o.store.uploads.summary();
      this.o.gauges.inProgress(count, oldestStartedAt?.getTime());
    } catch (err) {
      this.o.logger.warn({ err }, 'could not count uploads in progress');
    }
  }

  private completedAnswer(record: UploadRecord, alreadyCompleted: boolean): CompleteAnswer {
    return {
      ok: true as const,
      uploadId: record.uploadId,
      s3Key: record.key,
      size: record.fileSize,
      etag: record.etag ?? '',
      location: `${this.o.storage.location}/${record.key}`,
      alreadyCompleted,
    };
  }

  /** Parts must be exactly 1..totalParts, each once; answered in that order. */
  private checkNumbering(record: UploadRecord, parts: CompleteRequest['parts']) {
    const byNumber = new Map<number, CompleteRequest['parts'][number]>();
    for (const part of parts) {
      if (byNumber.has(part.partNumber)) throw this.invalid(`part ${part.partNumber} is listed twice`);
      if (part.partNumber > record.totalParts)
        throw this.invalid(`part ${part.partNumber} is beyond this upload's ${record.totalParts} parts`);
      byNumber.set(part.partNumber, part);
    }
    const missing: number[] = [];
    for (let n = 1; n <= record.totalParts; n++) if (!byNumber.has(n)) missing.push(n);
    if (missing.length > 0) {
      const shown = missing.slice(0, 20).join(', ') + (missing.length > 20 ? `, ... (${missing.length} in all)` : '');
      throw this.invalid(`parts missing from the list: ${shown}`);
    }
    return [...byNumber.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  private async storedParts(record: UploadRecord): Promise<StoredPart[]> {
    try {
      return await this.o.storage.multipart.listParts(record.key, record.uploadId);
    } catch (err) {
      if (isDomainError(err) && err.code === 'not_found') {
        throw new DomainError('not_found', 'storage no longer holds this upload (aborted or expired); start a new one');
      }
      throw this.storageFailed(err);
    }
  }

  private async sign(record: UploadRecord, partNumbers: readonly number[], baseUrl: string): Promise<PartUrl[]> {
    const urls: PartUrl[] = [];
    try {
      for (const partNumber of partNumbers) {
        const url = await this.o.storage.multipart.presignPartUrl(record.key, record.uploadId, partNumber, this.o.partUrlExpirySeconds);
        urls.push({ partNumber, url: url.startsWith('/') ? `${baseUrl}${url}` : url });
      }
    } catch (err) {
      throw this.storageFailed(err);
    }
    return urls;
  }

  private expiresAt(): string {
    return new Date(Date.now() + this.o.partUrlExpirySeconds * 1000).toISOString();
  }

  /** The record, if it exists and this uploader may touch it; someone else's upload looks absent. */
  private async owned(ref: UploadRef, uploader: Uploader): Promise<UploadRecord> {
    const record = await this.o.store.uploads.get(ref.uploadId);
    if (!record || (uploader.deviceId && record.deviceId !== uploader.deviceId)) {
      throw new DomainError('not_found', 'unknown uploadId (never started, aborted, or expired)');
    }
    if (record.key !== ref.s3Key) throw new DomainError('invalid', 's3Key does not belong to this uploadId');
    return record;
  }

  private async inProgress(ref: UploadRef, uploader: Uploader): Promise<UploadRecord> {
    const record = await this.owned(ref, uploader);
    if (record.status === 'completed') throw new DomainError('conflict', 'this upload is already completed');
    return record;
  }

  private tooManyInProgress(): DomainError {
    return new DomainError(
      'quota_exceeded',
      `this headset already has ${this.o.inProgressPerDevice} uploads in progress; complete or abort one first (unfinished ones are aborted after UPLOAD_EXPIRY_HOURS)`,
    );
  }

  private invalid(message: string, code: 'invalid_parts' | 'etag_mismatch' | 'size_mismatch' = 'invalid_parts'): DomainError {
    return new DomainError(code, message);
  }

  private storageFailed(err: unknown): DomainError {
    // The message only: the refusal carries the error as its cause, and the error middleware logs that with its stack (once).
    this.o.logger.error({ err: (err as Error)?.message }, 'storage failed during an upload');
    // A full disk is 507 here as on the part and legacy routes.
    return storageWriteRefusal(err) ?? new DomainError('storage_unavailable', 'storage is unavailable; retry later', { cause: err });
  }
}
