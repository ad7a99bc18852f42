/**
 * A refusal the client can act on. `kind` says what HTTP status it becomes
 * (the routes map it); `errorType` labels turing_upload_errors_total.
 */
export type UploadErrorKind = 'bad-request' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'unavailable';

export const STATUS_OF_KIND: Record<UploadErrorKind, number> = {
  'bad-request': 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unavailable: 503,
};

export class UploadError extends Error {
  constructor(
    readonly kind: UploadErrorKind,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}
