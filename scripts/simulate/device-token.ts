/**
 * A device's token that can be replaced. After a server restart with new
 * secrets the server refuses the old token; the simulator then mints a new
 * one (with the admin key) instead of waiting forever on a refused reconnect.
 */
export class DeviceToken {
  private renewing?: Promise<string>;

  constructor(
    private current: string,
    private readonly mint: () => Promise<string>,
  ) {}

  get value(): string {
    return this.current;
  }

  /** Mints a replacement; concurrent callers share one request. */
  renew(): Promise<string> {
    this.renewing ??= this.mint()
      .then((token) => (this.current = token))
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }
}
