// `cp` between a container's root and the host, with Docker's rules for what lands where, done so
// that nothing in the container can turn the copy onto the host: the container path is resolved by
// the kernel as if the container's root were "/" (openat2 RESOLVE_IN_ROOT: its absolute links and
// ".." stay inside), and below it every entry is reached from its directory's descriptor, one name
// at a time, never following a link (/proc/self/fd/<dir>/<name> with lstat, O_NOFOLLOW,
// readlink). A running container may change its files meanwhile: then the copy fails or copies
// what it found, but never reaches past its root.
//   into the container: files get root's owner (0:0) unless `archive` keeps the host's, as Docker's
//   out of it: files get the caller's owner (Docker's client extracts as the user who runs it)
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';

const O_PATH = 0o10000000;
const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;

export interface CopyOptions {
  /** -L: follow a link named by the source path (links inside a copied directory stay links). */
  followLink?: boolean;
  /** -a (into a container): keep the host files' owners instead of root's. */
  archive?: boolean;
  /** The destination must be an existing directory (a tar stream is unpacked into one). */
  intoDirectory?: boolean;
}

type CopyKernel = Pick<Kernel, 'openInRoot'>;

/** Copies `source` (a path inside the container, whose root is `rootfs` on the host) to `dest` on the host. */
export function copyOut(kernel: CopyKernel, rootfs: string, containerRef: string, source: string, dest: string, options: CopyOptions = {}): void {
  withRoot(rootfs, (rootFd) => {
    const src = openSource(kernel, rootFd, containerRef, source, options.followLink ?? false);
    try {
      const stat = fs.lstatSync(src.path);
      const target = destination(stat.isDirectory(), source, dest, hostLstat(dest), 'host');
      copyEntryOut(src.path, stat, target);
    } finally {
      src.close();
    }
  });
}

/** Copies `source` on the host to `dest`, a path inside the container whose root is `rootfs`. */
export function copyIn(kernel: CopyKernel, rootfs: string, source: string, dest: string, options: CopyOptions = {}): void {
  const stat = options.followLink ? statOrNull(source, fs.statSync) : hostLstat(source);
  if (stat === null) throw new MydockerError(`no such file or directory: ${source}`, { exitCode: 1 });
  withRoot(rootfs, (rootFd) => {
    const existing = containerStat(kernel, rootFd, dest);
    if (options.intoDirectory && existing?.isDirectory() !== true) throw new MydockerError(`no such directory in the container: ${dest}`, { exitCode: 1 });
    const target = destination(stat.isDirectory(), source, dest, existing, 'container');
    if (isRoot(target)) {
      // "DIR/." into "/": the directory's contents into the root, which itself stays as it is.
      for (const child of fs.readdirSync(source)) {
        const childStat = hostLstat(path.join(source, child));
        if (childStat !== null) copyEntryIn(path.join(source, child), childStat, rootFd, child, options.archive ?? false);
      }
      return;
    }
    // The target's parent in the container, by descriptor; the last name is created in it.
    const parentFd = openDirInRoot(kernel, rootFd, path.posix.dirname(target), `${path.posix.dirname(target)} (the destination's parent)`);
    try {
      copyEntryIn(source, stat, parentFd, path.posix.basename(target), options.archive ?? false);
    } finally {
      fs.closeSync(parentFd);
    }
  });
}

function withRoot<T>(rootfs: string, act: (rootFd: number) => T): T {
  const rootFd = fs.openSync(rootfs, O_PATH | O_DIRECTORY);
  try {
    return act(rootFd);
  } finally {
    fs.closeSync(rootFd);
  }
}

interface Pinned {
  /** A path that names the entry itself, without following it: /proc/self/fd/<parent>/<name>. */
  path: string;
  close(): void;
}

/** The container's source entry: its parent pinned by descriptor (or, with -L, the entry itself). */
function openSource(kernel: CopyKernel, rootFd: number, containerRef: string, source: string, follow: boolean): Pinned {
  const missing = (): MydockerError => new MydockerError(`could not find the file ${source} in container ${containerRef}`, { exitCode: 1 });
  if (follow || isRoot(source)) {
    const fd = tryOpen(() => kernel.openInRoot(rootFd, source, O_PATH), missing);
    return { path: `/proc/self/fd/${fd}`, close: () => fs.closeSync(fd) };
  }
  const parentFd = tryOpen(() => kernel.openInRoot(rootFd, path.posix.dirname(trimDot(source)), O_PATH | O_DIRECTORY), missing);
  const entry = `/proc/self/fd/${parentFd}/${path.posix.basename(trimDot(source))}`;
  if (statOrNull(entry, fs.lstatSync) === null) {
    fs.closeSync(parentFd);
    throw missing();
  }
  return { path: entry, close: () => fs.closeSync(parentFd) };
}

/** What is at `dest` in the container now (a link followed inside the root, as Docker resolves a destination), or null. */
function containerStat(kernel: CopyKernel, rootFd: number, dest: string): fs.Stats | null {
  let fd: number;
  try {
    fd = kernel.openInRoot(rootFd, trimDot(dest), O_PATH);
  } catch {
    return null; // nothing there (or a dangling link): created
  }
  try {
    return fs.fstatSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Docker's rules: a directory into an existing directory goes in under its own name (its contents
 * when the source ends in "/."), elsewhere it becomes the destination; a file into a directory goes
 * in under its own name, else it becomes (or overwrites) the destination file.
 */
function destination(sourceIsDir: boolean, source: string, dest: string, existing: fs.Stats | null, where: 'host' | 'container'): string {
  const join = where === 'host' ? path.join : path.posix.join;
  if (sourceIsDir) {
    if (existing === null) return dest;
    if (!existing.isDirectory()) throw new MydockerError(`cannot copy a directory to a file: ${dest}`, { exitCode: 1 });
    return source.endsWith('/.') ? dest : join(dest, path.basename(trimDot(source)));
  }
  if (existing === null) {
    if (dest.endsWith('/')) throw new MydockerError(`destination directory ${dest} does not exist`, { exitCode: 1, hint: 'create it first, or drop the trailing /' });
    return dest;
  }
  return existing.isDirectory() ? join(dest, path.basename(source)) : dest;
}

/** From the container (a pinned path) to a host path. */
function copyEntryOut(from: string, stat: fs.Stats, to: string): void {
  if (stat.isDirectory()) {
    const dirFd = fs.openSync(from, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    try {
      if (hostLstat(to)?.isDirectory() !== true) fs.mkdirSync(to, { mode: 0o700 });
      for (const name of fs.readdirSync(`/proc/self/fd/${dirFd}`)) {
        const child = `/proc/self/fd/${dirFd}/${name}`;
        const childStat = statOrNull(child, fs.lstatSync);
        if (childStat !== null) copyEntryOut(child, childStat, path.join(to, name));
      }
    } finally {
      fs.closeSync(dirFd);
    }
    fs.chmodSync(to, stat.mode & 0o7777);
    fs.utimesSync(to, stat.atime, stat.mtime);
  } else if (stat.isFile()) {
    copyFile(from, O_NOFOLLOW, stat, to, () => replaceOnHost(to), null);
  } else if (stat.isSymbolicLink()) {
    replaceOnHost(to);
    fs.symlinkSync(fs.readlinkSync(from), to);
  }
  // devices, sockets and fifos are not copied
}

/** From a host path into the directory `parentFd` of the container, as `name`. */
function copyEntryIn(from: string, stat: fs.Stats, parentFd: number, name: string, archive: boolean): void {
  const at = `/proc/self/fd/${parentFd}/${name}`;
  const owner = archive ? { uid: stat.uid, gid: stat.gid } : { uid: 0, gid: 0 };
  const present = statOrNull(at, fs.lstatSync);
  if (stat.isDirectory()) {
    if (present !== null && !present.isDirectory()) throw new MydockerError(`cannot overwrite non-directory ${name} with a directory`, { exitCode: 1 });
    if (present === null) fs.mkdirSync(at, { mode: 0o700 });
    const dirFd = fs.openSync(at, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    try {
      for (const child of fs.readdirSync(from)) {
        const childStat = statOrNull(path.join(from, child), fs.lstatSync);
        if (childStat !== null) copyEntryIn(path.join(from, child), childStat, dirFd, child, archive);
      }
      const self = `/proc/self/fd/${dirFd}`;
      fs.chownSync(self, owner.uid, owner.gid);
      fs.chmodSync(self, stat.mode & 0o7777);
      fs.utimesSync(self, stat.atime, stat.mtime);
    } finally {
      fs.closeSync(dirFd);
    }
    return;
  }
  if (present?.isDirectory()) throw new MydockerError(`cannot overwrite directory ${name} with a non-directory`, { exitCode: 1 });
  if (stat.isFile()) {
    copyFile(from, 0, stat, at, () => present !== null && fs.unlinkSync(at), owner);
  } else if (stat.isSymbolicLink()) {
    if (present !== null) fs.unlinkSync(at);
    fs.symlinkSync(fs.readlinkSync(from), at);
    fs.lchownSync(at, owner.uid, owner.gid);
  }
}

/**
 * A regular file's content, mode and times into a new file `to` (made exclusively, never through a
 * link; `clear` first removes what was there), owned by `owner` (null: the caller).
 */
function copyFile(from: string, openFlags: number, stat: fs.Stats, to: string, clear: () => unknown, owner: { uid: number; gid: number } | null): void {
  const input = fs.openSync(from, O_RDONLY | openFlags);
  try {
    clear();
    const output = fs.openSync(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      pump(input, output);
      if (owner) fs.fchownSync(output, owner.uid, owner.gid);
      fs.fchmodSync(output, stat.mode & 0o7777); // after chown, which clears setuid bits
      fs.futimesSync(output, stat.atime, stat.mtime);
    } finally {
      fs.closeSync(output);
    }
  } finally {
    fs.closeSync(input);
  }
}

function pump(input: number, output: number): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const n = fs.readSync(input, buf, 0, buf.length, null);
    if (n === 0) return;
    for (let done = 0; done < n; ) done += fs.writeSync(output, buf, done, n - done);
  }
}

/** A non-directory in the way on the host is replaced, as Docker's client does. */
function replaceOnHost(to: string): void {
  const present = hostLstat(to);
  if (present?.isDirectory()) throw new MydockerError(`cannot overwrite directory ${to} with a non-directory`, { exitCode: 1 });
  if (present !== null) fs.unlinkSync(to);
}

function openDirInRoot(kernel: CopyKernel, rootFd: number, dir: string, what: string): number {
  return tryOpen(
    () => kernel.openInRoot(rootFd, dir, O_PATH | O_DIRECTORY),
    () => new MydockerError(`no such directory in the container: ${what}`, { exitCode: 1 }),
  );
}

function tryOpen(open: () => number, error: () => MydockerError): number {
  try {
    return open();
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw error();
    throw cause;
  }
}

function hostLstat(file: string): fs.Stats | null {
  return statOrNull(file, fs.lstatSync);
}

function statOrNull(file: string, stat: typeof fs.lstatSync | typeof fs.statSync): fs.Stats | null {
  try {
    return stat(file) as fs.Stats;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

function isRoot(p: string): boolean {
  return path.posix.normalize(p) === '/' || path.posix.normalize(p) === '/.';
}

/** "dir/." is the directory itself (its contents are what is copied, see destination()). */
function trimDot(p: string): string {
  return p.endsWith('/.') ? p.slice(0, -2) || '/' : p;
}
