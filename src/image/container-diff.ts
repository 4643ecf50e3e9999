// `diff`: what a container changed in its filesystem, as Docker lists it: "A /path" added, "C /path"
// changed (a directory is changed when something in it is), "D /path" deleted, in path order. Read
// from the container's own layer (the storage driver's changes directory, with its whiteout rules)
// against the image's layers, top first. The runtime's own mount points (/etc/hosts, ...), empty
// files in the container's layer, are not the container's changes, as Docker's init layer hides them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WhiteoutRules } from '../../hooks/index.js';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

const RUNTIME_FILES = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);

export function containerDiff(upper: string, layers: readonly string[], rules: WhiteoutRules): Change[] {
  const changes: Change[] = [];
  const inImage = (rel: string): boolean => existsInLayers(layers, rel);
  walk('/', false);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  /**
   * `added`: the directory itself is new, so everything below it is too. Returns whether the
   * directory was copied up only to hold the runtime's files (their mount points: /etc), which is
   * no change of the container's; an empty one is (its mode or owner changed).
   */
  function walk(dir: string, added: boolean): boolean {
    let own = false;
    let runtimeFiles = false;
    for (const name of fs.readdirSync(path.join(upper, dir))) {
      const rel = path.posix.join(dir, name);
      const from = path.join(upper, rel);
      const stat = fs.lstatSync(from);
      if (rules.internal?.(from, stat)) continue;
      const deleted = rules.deletes(from, stat);
      if (deleted !== null) {
        const gone = path.posix.join(dir, deleted);
        if (inImage(gone)) changes.push({ kind: 'D', path: gone });
        own = true;
        continue;
      }
      if (RUNTIME_FILES.has(rel) && stat.isFile() && stat.size === 0) {
        runtimeFiles = true;
        continue;
      }
      own = true;
      const isNew = added || !inImage(rel);
      const entry: Change = { kind: isNew ? 'A' : 'C', path: rel };
      changes.push(entry);
      if (stat.isDirectory() && walk(rel, isNew || rules.opaque(from)) && !isNew) changes.splice(changes.indexOf(entry), 1);
    }
    return runtimeFiles && !own;
  }
}

/** Whether the image's layers (top first, overlay's whiteouts: a 0/0 character device) have `rel`. */
function existsInLayers(layers: readonly string[], rel: string): boolean {
  for (const layer of layers) {
    const stat = fs.lstatSync(path.join(layer, rel), { throwIfNoEntry: false });
    if (stat === undefined) continue;
    return !(stat.isCharacterDevice() && stat.rdev === 0);
  }
  return false;
}
