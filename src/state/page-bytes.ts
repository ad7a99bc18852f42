/** PAGE_MAX_BYTES when a caller gives none: a list page's items in JSON at most. */
export const DEFAULT_PAGE_MAX_BYTES = 1024 * 1024;

/**
 * A list page bounded in bytes as well as rows: items are taken while their JSON
 * size fits the budget, and the first always is (a page is never empty while items
 * remain, so paging always moves on). The page that stops here ends with a cursor.
 */
export class PageBytes {
  private used = 0;
  private taken = 0;

  constructor(private readonly max: number = DEFAULT_PAGE_MAX_BYTES) {}

  /** Whether an item of `bytes` still fits (and counts it if so). */
  take(bytes: number): boolean {
    if (this.taken > 0 && this.used + bytes > this.max) return false;
    this.used += bytes;
    this.taken++;
    return true;
  }
}
