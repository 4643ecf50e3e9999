// Where COPY and ADD read from: the build context (a host directory, less what .dockerignore
// leaves out), or an earlier stage or image (COPY --from, read through its layers). A source path
// is resolved inside its tree and never leaves it: in the context, '..' above the top, or a symlink
// leading out of it, is refused; in an image, symlinks are followed inside the image as if it were
// '/'. Symlinks found *inside* a copied directory are copied as they are, never followed.
// Runs in the `build` process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildError } from './build-error.js';
import type { IgnoreRules } from './dockerignore.js';
import { toRegex } from './dockerignore.js';
import type { LayeredTree } from './layered-tree.js';

export interface SourceTree {
  /** What the tree is, in messages: "the build context", "stage builder". */
  readonly name: string;
  /** The entry at a resolved path ('' is the top), null if none (or left out by .dockerignore). */
  lstat(rel: string): fs.Stats | null;
  /** The names in a directory (those .dockerignore leaves in). */
  readdir(rel: string): string[];
  /** Where the entry's content is on the host (to read a file or a link). */
  host(rel: string): string;
  /** `source` as written in the instruction, resolved inside the tree. */
  resolve(source: string): string;
  /** A directory walked only for what a `!` pattern brings back: copied only if something in it is. */
  walkedOnly?(rel: string): boolean;
}

const MAX_LINKS = 40;

export class ContextTree implements SourceTree {
  readonly name = 'the build context';

  constructor(
    private readonly dir: string,
    private readonly ignore: IgnoreRules,
  ) {}

  lstat(rel: string): fs.Stats | null {
    if (rel !== '' && this.ignore.excludes(rel)) {
      const stat = fs.lstatSync(this.host(rel), { throwIfNoEntry: false });
      // An excluded directory is still walked when a `!` pattern may bring back something below it.
      return stat?.isDirectory() && this.ignore.mayReinclude(rel) ? stat : null;
    }
    return fs.lstatSync(this.host(rel), { throwIfNoEntry: false }) ?? null;
  }

  walkedOnly(rel: string): boolean {
    return rel !== '' && this.ignore.excludes(rel);
  }

  readdir(rel: string): string[] {
    return fs
      .readdirSync(this.host(rel))
      .filter((name) => this.lstat(join(rel, name)) !== null)
      .sort();
  }

  host(rel: string): string {
    return path.join(this.dir, rel);
  }

  resolve(source: string): string {
    const normal = path.posix.normalize(source.replace(/^\/+/, '') || '.');
    if (normal === '..' || normal.startsWith('../')) throw new BuildError(`forbidden path outside the build context: ${source}`);
    const queue = normal.split('/').filter((p) => p !== '' && p !== '.');
    const inside: string[] = [];
    let links = 0;
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === '..') {
        if (inside.length === 0) throw new BuildError(`forbidden path outside the build context: ${source}`);
        inside.pop();
        continue;
      }
      const host = path.join(this.dir, ...inside, name);
      const stat = fs.lstatSync(host, { throwIfNoEntry: false });
      if (stat?.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new BuildError(`too many levels of symbolic links in ${source}`);
        const link = fs.readlinkSync(host);
        if (link.startsWith('/')) throw new BuildError(`forbidden path outside the build context: ${source} is a symlink to ${link}`);
        const target = path.posix.normalize([...inside, link].join('/'));
        if (target === '..' || target.startsWith('../')) throw new BuildError(`forbidden path outside the build context: ${source} is a symlink to ${link}`);
        queue.unshift(...link.split('/').filter((p) => p !== '' && p !== '.'));
        continue;
      }
      inside.push(name);
    }
    return inside.join('/');
  }
}

/** A plain host directory read whole (ADD's extracted archive). */
export class DirectoryTree implements SourceTree {
  readonly name = 'the archive';

  constructor(private readonly dir: string) {}

  lstat(rel: string): fs.Stats | null {
    return fs.lstatSync(this.host(rel), { throwIfNoEntry: false }) ?? null;
  }

  readdir(rel: string): string[] {
    return fs.readdirSync(this.host(rel)).sort();
  }

  host(rel: string): string {
    return path.join(this.dir, rel);
  }

  resolve(): string {
    return '';
  }
}

export class ImageTree implements SourceTree {
  constructor(
    readonly name: string,
    private readonly tree: LayeredTree,
  ) {}

  lstat(rel: string): fs.Stats | null {
    return this.tree.lookup(rel)?.stat ?? null;
  }

  readdir(rel: string): string[] {
    return this.tree.readdir(rel);
  }

  host(rel: string): string {
    const entry = this.tree.lookup(rel);
    if (!entry) throw new BuildError(`${rel} is gone from ${this.name}`);
    return entry.host;
  }

  resolve(source: string): string {
    return this.tree.resolve(`/${source}`);
  }
}

export interface Source {
  /** Resolved path in the tree ('' for its top). */
  rel: string;
  stat: fs.Stats;
}

/** The sources an instruction names, globs expanded (sorted); a missing one is refused. */
export function expandSources(tree: SourceTree, sources: string[], keyword: string): Source[] {
  const out: Source[] = [];
  for (const source of sources) {
    if (/[*?[]/.test(source)) {
      const pattern = path.posix.normalize(source.replace(/^\/+/, ''));
      if (pattern === '..' || pattern.startsWith('../')) throw new BuildError(`forbidden path outside the build context: ${source}`);
      const regex = toRegex(pattern);
      const matches = globWalk(tree, '', pattern.split('/').length).filter((rel) => regex.test(rel));
      for (const rel of matches) out.push({ rel, stat: tree.lstat(rel)! });
      if (matches.length === 0) throw new BuildError(`${keyword} failed: no source files were specified by ${source} in ${tree.name}`);
      continue;
    }
    const rel = tree.resolve(source);
    const stat = tree.lstat(rel);
    if (!stat) throw new BuildError(`${keyword} failed: file not found in ${tree.name}${tree instanceof ContextTree ? ' or excluded by .dockerignore' : ''}: ${source}`);
    out.push({ rel, stat });
  }
  return out;
}

/** Every path of the tree down to `depth` components (what a glob of that many components can match). */
function globWalk(tree: SourceTree, rel: string, depth: number): string[] {
  if (depth === 0) return [];
  const out: string[] = [];
  for (const name of tree.readdir(rel)) {
    const child = join(rel, name);
    out.push(child);
    if (tree.lstat(child)?.isDirectory()) out.push(...globWalk(tree, child, depth - 1));
  }
  return out;
}

export function join(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}
