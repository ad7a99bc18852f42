import { z } from 'zod';

/**
 * What every paged REST answer says beside its page (`count` is the page's length): how many
 * items match the filter across all pages. The memory store counts every match; the Redis store
 * counts the index the list walks, exact unless a filter beyond it applies (src/state/page-total.ts).
 */
export const pageTotalFields = {
  total: z.number().int().min(0).describe('How many items match the filter across all pages (`count` is this page).'),
  totalExact: z
    .boolean()
    .describe('false when `total` is an upper bound: the store counted the index the list walks, and a filter beyond it applies.'),
};

/** A paged answer's counts: the page's length and the store's total for the filter. */
export const pageCounts = (count: number, page: { total: number; totalExact: boolean }) => ({
  count,
  total: page.total,
  totalExact: page.totalExact,
});
