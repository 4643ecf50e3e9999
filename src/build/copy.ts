// COPY and ADD as Docker does them, into a staging directory that becomes the step's layer: a
// directory source has its contents copied, a file lands at the destination (or in it, when the
// destination ends with '/' or is a directory of the image); files keep their modes and times, and
// are owned by 0:0 unless --chown; missing parent directories are made (0755), while those the
// image has keep their mode and owner in the layer. Also the digest of what would be copied (the
// cache key's content part), without copying. Runs in the `build` process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { BuildError } from './build-error.js';
import type { LayeredTree } from './layered-tree.js';
import { join, type Source, type SourceTree } from './sources.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyPlan {
  tree: SourceTree;
  sources: Source[];
  /** The destination, absolute inside the image (WORKDIR applied), as written (a trailing '/' kept). */
  dest: string;
  /** --chown, or null: 0:0 (or, with keepOwners, the source's own). */
  owner: Owner | null;
  /** ADD of an archive: the archive's owners are kept unless --chown. */
  keepOwners?: boolean;
  /** --chmod: the mode of every file and directory copied (not of the parents made). */
  mode?: number;
}

/** The content and metadata of everything the plan would copy, as one sha256 (hex). */
export function digestSources(plan: Pick<CopyPlan, 'tree' | 'sources'>): string {
  const hash = createHash('sha256');
  for (const source of plan.sources) {
    hash.update(`source ${source.rel}\0`);
    digestEntry(plan.tree, source.rel, source.stat, '', hash);
  }
  return hash.digest('hex');
}

function digestEntry(tree: SourceTree, rel: string, stat: fs.Stats, shown: string, hash: Hash): void {
  // Owners are not part of it: COPY gives its files 0:0 (or --chown, which is in the instruction).
  const meta = `${shown}\0${stat.mode}`;
  if (stat.isDirectory()) {
    hash.update(`dir ${meta}\0`);
    for (const name of tree.readdir(rel)) {
      const child = join(rel, name);
      const childStat = tree.lstat(child);
      if (childStat) digestEntry(tree, child, childStat, join(shown, name), hash);
    }
  } else if (stat.isFile()) {
    hash.update(`file ${meta}\0${stat.size}\0`);
    hash.update(fs.readFileSync(tree.host(rel)));
  } else if (stat.isSymbolicLink()) {
    hash.update(`link ${meta}\0${fs.readlinkSync(tree.host(rel))}\0`);
  }
}

/** Lays the copied files out in `staging` (a layer's root), over the image `image`. */
export function stageCopy(plan: CopyPlan, image: LayeredTree, staging: string, keyword: string): void {
  const { sources, dest } = plan;
  const intoDirectory = dest.endsWith('/') || sources.length > 1 || sources.some((s) => s.stat.isDirectory());
  if (sources.length > 1 && !dest.endsWith('/')) {
    throw new BuildError(`When using ${keyword} with more than one source file, the destination must be a directory and end with a /`);
  }
  // Where the destination is in the image: its symlinks (/bin -> usr/bin) followed inside it.
  const destRel = image.resolve(dest);
  const destIsDir = intoDirectory || image.lookup(destRel)?.stat.isDirectory() === true;
  const stager = new Stager(plan, image, staging);
  for (const source of sources) {
    if (source.stat.isDirectory()) {
      stager.directory(destRel);
      for (const name of plan.tree.readdir(source.rel)) stager.entry(join(source.rel, name), join(destRel, name));
    } else {
      const target = destIsDir ? join(destRel, path.posix.basename(source.rel)) : destRel;
      if (destIsDir) stager.directory(destRel);
      else stager.directory(path.posix.dirname(target) === '.' ? '' : path.posix.dirname(target));
      stager.entry(source.rel, target);
    }
  }
}

class Stager {
  constructor(
    private readonly plan: CopyPlan,
    private readonly image: LayeredTree,
    private readonly staging: string,
  ) {}

  /** Makes a directory of the layer and its parents: those the image has with their metadata. */
  directory(rel: string): void {
    const parts = rel.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const host = path.join(this.staging, prefix);
      const here = fs.lstatSync(host, { throwIfNoEntry: false });
      if (here?.isDirectory()) continue;
      if (here) fs.rmSync(host, { recursive: true, force: true });
      fs.mkdirSync(host);
      const existing = this.image.lookup(prefix);
      if (existing?.stat.isDirectory()) {
        setMetadata(host, existing.stat, { uid: existing.stat.uid, gid: existing.stat.gid });
      } else {
        const owner = this.plan.owner ?? { uid: 0, gid: 0 };
        fs.chownSync(host, owner.uid, owner.gid);
        fs.chmodSync(host, 0o755);
      }
    }
  }

  /** Copies one entry of the source tree (a directory with all below it) to `rel` in the layer. */
  entry(from: string, rel: string): void {
    const stat = this.plan.tree.lstat(from);
    if (!stat) return;
    const to = path.join(this.staging, rel);
    const existing = fs.lstatSync(to, { throwIfNoEntry: false });
    if (existing && !(existing.isDirectory() && stat.isDirectory())) fs.rmSync(to, { recursive: true, force: true });
    const owner = this.plan.owner ?? (this.plan.keepOwners ? { uid: stat.uid, gid: stat.gid } : { uid: 0, gid: 0 });
    if (stat.isDirectory()) {
      if (!existing?.isDirectory()) fs.mkdirSync(to);
      for (const name of this.plan.tree.readdir(from)) this.entry(join(from, name), join(rel, name));
      // Excluded by .dockerignore, walked for an exception that brought nothing back: not copied.
      if (!existing && this.plan.tree.walkedOnly?.(from) && fs.readdirSync(to).length === 0) return fs.rmdirSync(to);
      setMetadata(to, stat, owner, this.plan.mode);
    } else if (stat.isFile()) {
      fs.copyFileSync(this.plan.tree.host(from), to);
      setMetadata(to, stat, owner, this.plan.mode);
    } else if (stat.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(this.plan.tree.host(from)), to);
      fs.lchownSync(to, owner.uid, owner.gid);
    }
    // Sockets, fifos and devices are not copied (Docker's COPY refuses or skips them too).
  }
}

function setMetadata(file: string, stat: fs.Stats, owner: Owner, mode?: number): void {
  fs.chownSync(file, owner.uid, owner.gid);
  fs.chmodSync(file, mode ?? stat.mode & 0o7777); // after chown, which clears setuid bits
  fs.utimesSync(file, stat.atime, stat.mtime);
}
