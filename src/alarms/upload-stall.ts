import type { Store, UploadRecord } from '../state/types';
import type { ObjectStorage } from '../storage/types';
import type { AlarmService } from './alarm-service';

/** In-progress uploads looked at per check, and parts listed at once. */
const MAX_UPLOADS_PER_CHECK = 1_000;
const LIST_CONCURRENCY = 8;

interface Progress {
  bytes: number;
  /** When the stored bytes last grew (or the upload started, if none arrived yet). */
  changedAt: number;
}

/**
 * upload_stalled: an in-progress upload whose stored parts have not grown for
 * `stalledMs`. Runs under a lease on one process; the progress it remembers is
 * that process's (a new holder starts its clocks when it first looks, so a
 * takeover at worst delays an alarm by one period, never raises a false one).
 */
export class UploadStallWatch {
  private readonly progress = new Map<string, Progress>();
  /** Devices with an upload this watch has found stalled, and which uploads. */
  private readonly stalled = new Map<string, Set<string>>();

  constructor(private readonly d: { store: Store; storage: ObjectStorage; alarms: AlarmService; stalledMs: number }) {}

  async check(now = Date.now()): Promise<void> {
    const uploads = (await this.d.store.uploads.inProgressBefore(new Date(now), MAX_UPLOADS_PER_CHECK)).filter((u) => u.deviceId);
    const current = new Set(uploads.map((u) => u.uploadId));
    for (const id of this.progress.keys()) if (!current.has(id)) this.progress.delete(id);

    const nowStalled = new Map<string, Set<string>>();
    for (let i = 0; i < uploads.length; i += LIST_CONCURRENCY) {
      const batch = uploads.slice(i, i + LIST_CONCURRENCY);
      const sizes = await Promise.all(batch.map((u) => this.storedBytes(u)));
      batch.forEach((u, j) => {
        const bytes = sizes[j];
        if (bytes === undefined) return;
        const before = this.progress.get(u.uploadId);
        const changedAt = !before ? (bytes === 0 ? u.startedAt.getTime() : now) : bytes > before.bytes ? now : before.changedAt;
        this.progress.set(u.uploadId, { bytes, changedAt });
        if (now - changedAt >= this.d.stalledMs) {
          const set = nowStalled.get(u.deviceId!) ?? new Set();
          nowStalled.set(u.deviceId!, set.add(u.uploadId));
        }
      });
    }

    for (const [deviceId, ids] of nowStalled) {
      const oldest = Math.min(...[...ids].map((id) => this.progress.get(id)!.changedAt));
      const minutes = Math.round((now - oldest) / 6_000) / 10;
      const what = ids.size === 1 ? `upload ${[...ids][0]}` : `${ids.size} uploads`;
      this.d.alarms.apply(deviceId, [
        { type: 'upload_stalled', action: 'raise', value: minutes, message: `${what} made no progress for ${minutes} min` },
      ]);
    }
    for (const deviceId of this.stalled.keys()) {
      if (!nowStalled.has(deviceId)) this.d.alarms.apply(deviceId, [{ type: 'upload_stalled', action: 'clear' }]);
    }
    this.stalled.clear();
    for (const [k, v] of nowStalled) this.stalled.set(k, v);
  }

  /** Bytes stored so far; undefined when storage cannot say (the upload is looked at again next time). */
  private async storedBytes(u: UploadRecord): Promise<number | undefined> {
    try {
      const parts = await this.d.storage.multipart.listParts(u.key, u.uploadId);
      return parts.reduce((sum, p) => sum + p.size, 0);
    } catch (err) {
      this.d.alarms.failed('upload_parts', err, { uploadId: u.uploadId });
      return undefined;
    }
  }
}
