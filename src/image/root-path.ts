// Resolves a path inside a directory that stands for a container's root, the way the kernel would
// resolve it if that directory were "/": symlinks are followed *within* the root (an absolute target
// starts again at the root, ".." stops at the root). So no entry of an untrusted archive can reach
// the host, whatever links the archive made before it. Used by the single-threaded extractor, which
// is the only writer of the directory while it runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError } from '../errors.js';

const MAX_LINKS = 40; // the kernel's own limit (ELOOP)

/**
 * Host path for `relative` inside `root`. Every component but the last is resolved through
 * symlinks (within the root); the last is left as is, so the caller can replace a link itself.
 */
export function resolveInRoot(root: string, relative: string): string {
  const wanted = splitComponents(relative);
  const last = wanted.pop();
  const parent = walk(root, wanted, 0);
  return last === undefined ? parent.host : path.join(parent.host, last);
}

/** The cleaned components of an archive path; '..' anywhere is refused. */
export function archivePathComponents(name: string): string[] {
  const parts = splitComponents(name);
  if (name.split('/').includes('..')) {
    throw new MydockerError(`archive entry "${name}" contains '..'`, { hint: 'the archive is unsafe and was refused' });
  }
  return parts;
}

function splitComponents(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

interface Position {
  /** Components below root, already resolved (no links among them). */
  inside: string[];
  host: string;
}

function walk(root: string, components: string[], depth: number): Position {
  const inside: string[] = [];
  const queue = [...components];
  let links = depth;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '..') {
      inside.pop();
      continue;
    }
    const candidate = path.join(root, ...inside, c);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(candidate);
    } catch {
      stat = undefined;
    }
    if (stat?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new MydockerError(`too many levels of symbolic links under ${root}`);
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) inside.length = 0;
      queue.unshift(...splitComponents(target));
      continue;
    }
    inside.push(c);
  }
  return { inside, host: path.join(root, ...inside) };
}
