// The bytes of the files under a directory, as `system df` counts a layer, a container's writable
// layer or a volume: regular files' sizes, a file with several hard links once, symbolic links not
// followed. A directory that cannot be read counts what could be.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function dirBytes(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory()) {
        stack.push(file);
      } else if (entry.isFile()) {
        const stat = fs.lstatSync(file, { throwIfNoEntry: false });
        if (!stat) continue;
        if (stat.nlink > 1) {
          const key = `${stat.dev}:${stat.ino}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        total += stat.size;
      }
    }
  }
  return total;
}
