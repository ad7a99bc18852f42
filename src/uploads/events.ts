/** What the uploads feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /**
     * An upload started, completed or was given up (`aborted` by its client,
     * `expired` by the sweep). `deviceId` is the headset uploading, if any.
     */
    'upload.changed': {
      uploadId: string;
      key: string;
      fileType: 'video' | 'data';
      fileSize: number;
      deviceId?: string;
      sessionId?: string;
      change: 'started' | 'completed' | 'aborted' | 'expired';
      /** The stored object's ETag, once completed. */
      etag?: string;
      /** The client's SHA-256 of the file (hex), when its start body gave one. */
      sha256?: string;
    };
  }
}

export {};
