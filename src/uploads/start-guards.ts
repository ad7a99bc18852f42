import type { Uploader } from './uploader';

/**
 * A check another feature makes before an upload to `key` may start (the
 * recordings feature caps a headset's records awaiting files): it throws a
 * DomainError to refuse. Registered through UploadService.guardStarts, so the
 * uploads feature knows nothing of who checks.
 */
export type StartGuard = (key: string, uploader: Uploader) => Promise<void>;

export class StartGuards {
  private readonly guards: StartGuard[] = [];

  add(guard: StartGuard): void {
    this.guards.push(guard);
  }

  async check(key: string, uploader: Uploader): Promise<void> {
    for (const guard of this.guards) await guard(key, uploader);
  }
}
