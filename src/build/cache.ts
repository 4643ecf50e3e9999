// The build cache's index: which image a step made from which inputs (the key, cache-key.ts), so
// that an unchanged step is reused instead of run again. Loaded by `rmi` too (every command's
// path: fs only). Each entry is its own small file, written atomically,
//   <root>/cache/build/<key hex>.json   {"image": "sha256:<id>"}
// so that two builds never write over each other's entries and a crash leaves whole entries only.
// An entry is checked when read (hooks/state-file.ts), and one whose image is gone is a miss:
// `rmi` removes the entries of the images it deletes, `system check` reports the others.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { matching, object, readStateFileIfExists, type Check } from '../../hooks/state-file.js';

export interface CacheEntry {
  image: string;
}

const entryCheck: Check<CacheEntry> = object({ image: matching(/^sha256:[0-9a-f]{64}$/, 'an image ID (sha256:<64 hex digits>)') });

const ENTRY = /^[0-9a-f]{64}\.json$/;

export function cacheDir(root: string): string {
  return path.join(root, 'cache', 'build');
}

/** The image of a cached step, or null; an entry that is not a valid one throws a StateFileError. */
export function cachedImage(root: string, key: string): string | null {
  return readStateFileIfExists(path.join(cacheDir(root), `${key}.json`), entryCheck, 'remove the file: the step is then run again')?.image ?? null;
}

export function recordCached(root: string, key: string, image: string): void {
  fs.mkdirSync(cacheDir(root), { recursive: true, mode: 0o700 });
  writeJsonAtomic(path.join(cacheDir(root), `${key}.json`), { image } satisfies CacheEntry);
}

export function forgetCached(root: string, key: string): void {
  fs.rmSync(path.join(cacheDir(root), `${key}.json`), { force: true });
}

/** Every entry: its file, and its image (null when the file cannot be read as an entry). */
export function cacheEntries(root: string): Array<{ file: string; image: string | null }> {
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir(root));
  } catch {
    return [];
  }
  return names
    .filter((n) => ENTRY.test(n))
    .map((n) => {
      const file = path.join(cacheDir(root), n);
      try {
        return { file, image: readStateFileIfExists(file, entryCheck)?.image ?? null };
      } catch {
        return { file, image: null };
      }
    });
}

/** Removes the entries that lead to these images (they were deleted). */
export function forgetImages(root: string, images: Set<string>): void {
  if (images.size === 0) return;
  for (const entry of cacheEntries(root)) if (entry.image !== null && images.has(entry.image)) fs.rmSync(entry.file, { force: true });
}
