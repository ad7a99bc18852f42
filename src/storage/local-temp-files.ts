import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The local driver writes a whole object to a dot-named temp file beside its
 * target and renames it into place. A process killed mid-write (kill -9, power
 * loss) leaves the temp file behind forever; these name and find them.
 */
const TEMP_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/;

export function tempFileFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Deletes this driver's temp files last written before `olderThan` anywhere
 * under `root` (a live write keeps its file's mtime fresh). Dot-directories
 * are the driver's own areas (.multipart has its own sweep) and are skipped.
 * Returns how many were deleted; a file that vanished meanwhile is not counted.
 */
export async function removeStaleTempFiles(root: string, olderThan: Date): Promise<number> {
  let removed = 0;
  // Iterative, so a deep tree cannot grow the call stack.
  const dirs = [root];
  while (dirs.length > 0) {
    const dir = dirs.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) dirs.push(full);
      } else if (entry.isFile() && TEMP_NAME.test(entry.name)) {
        const info = await stat(full).catch(() => null);
        if (
          info &&
          info.mtime < olderThan &&
          (await rm(full).then(
            () => true,
            () => false,
          ))
        )
          removed++;
      }
    }
  }
  return removed;
}
