/**
 * How many items a paged list's filter matches across all its pages, beside the page itself
 * (`count` is the page's length). The memory stores count every match (`totalExact: true`); the
 * Redis stores count the sorted index the list walks (the whole fleet's, a device's, a session's),
 * within the time range, without reading the records: exact when no other filter applies, an upper
 * bound (`totalExact: false`) when one does (a state, a verdict, a tag).
 */
export interface PageTotal {
  total: number;
  totalExact: boolean;
}
