/**
 * How a file is cut into parts: 10 MiB parts until that would take more than
 * S3's 10,000 parts, then the smallest whole number of MiB that fits in 10,000.
 * Plain arithmetic only: sizes pass 2^32, where bitwise operators break.
 */
export const MiB = 1024 * 1024;
const DEFAULT_PART_SIZE = 10 * MiB;
export const MAX_PARTS = 10_000;

export interface PartPlan {
  partSize: number;
  totalParts: number;
}

export function planParts(fileSize: number): PartPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0) throw new RangeError('fileSize must be a positive whole number');
  const partSize =
    Math.ceil(fileSize / DEFAULT_PART_SIZE) <= MAX_PARTS ? DEFAULT_PART_SIZE : Math.ceil(Math.ceil(fileSize / MAX_PARTS) / MiB) * MiB;
  return { partSize, totalParts: Math.ceil(fileSize / partSize) };
}
