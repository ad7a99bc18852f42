import type { Config } from '../config';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import type { ObjectStorage } from './types';

export type { ObjectStorage, MultipartUploads, LocalPartReceiver, StoredObject, StoredPart, PendingMultipartUpload } from './types';
export {
  ObjectNotFoundError,
  UploadNotFoundError,
  InvalidPartError,
  PartTooLargeError,
  diskFailureOf,
  orUnavailable,
  storageWriteRefusal,
} from './errors';
export { PartUrlSigner, LOCAL_UPLOAD_PATH } from './part-url-signer';
export * from './keys';
export { LocalStorage, S3Storage };
export type { S3StorageOptions } from './s3-storage';

/** S3 when S3_BUCKET_NAME is configured, otherwise local disk under DATA_DIR. */
export function createStorage(config: Config): ObjectStorage {
  return config.storage.s3
    ? new S3Storage(config.storage.s3)
    : new LocalStorage(config.storage.dataDir, { signingSecret: config.auth.jwtSecret });
}
export { bareEtag } from './md5-meter';
