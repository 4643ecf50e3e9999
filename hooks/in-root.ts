// Mount points inside a container's root, made on the host side (the `run` process, before the
// container exists). A target is resolved the way the kernel would resolve it if the root were "/":
// symlinks are followed *within* the root (an absolute link starts again at the root, '..' stops at
// it), as securejoin does, so neither the image's links nor a shared volume's can lead a mount, or
// a directory made for one, onto the host. What is created lands in the container's own layer.
// A helper of hooks/: the volumes and network plugins mount through it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MNT, type Kernel } from './kernel.js';

export type MountPointKind = 'directory' | 'file';

const MAX_LINKS = 40; // the kernel's own limit (ELOOP)
// O_PATH is not in fs.constants; the value is the same on every Linux architecture Node runs on.
const O_PATH = 0o10000000;

/**
 * Creates (if missing) the mount point for `target` (an absolute path as the container sees it)
 * under `root`, every missing parent as a directory, and returns its host path under root's real
 * path. `kind` is what will be mounted on it: a file is bound onto a file, a directory onto a
 * directory.
 */
export function makeMountPoint(root: string, target: string, kind: MountPointKind): string {
  const base = fs.realpathSync(root);
  const queue = components(target);
  const inside: string[] = [];
  let links = 0;
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '..') {
      inside.pop(); // '..' at the root stays at the root
      continue;
    }
    const host = path.join(base, ...inside, name);
    const last = queue.length === 0;
    const want: MountPointKind = last ? kind : 'directory';
    const stat = lstatOrNull(host);
    if (stat?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links resolving ${target} in the container`);
      const link = fs.readlinkSync(host);
      if (link.startsWith('/')) inside.length = 0;
      queue.unshift(...components(link));
      continue;
    }
    if (stat === null) {
      if (!create(host, want)) queue.unshift(name); // someone made it meanwhile: look again
      else inside.push(name);
      continue;
    }
    if (want === 'directory' && !stat.isDirectory()) {
      throw new Error(`cannot mount on ${target}: /${[...inside, name].join('/')} is not a directory in the container`);
    }
    if (want === 'file' && stat.isDirectory()) throw new Error(`cannot mount a file on ${target}: it is a directory in the container`);
    inside.push(name);
  }
  if (inside.length === 0) throw new Error(`cannot mount on ${target}: it resolves to the container's root`);
  return path.join(base, ...inside);
}

/**
 * Runs `act` with a /proc/self/fd path that stands for `hostPath`, opened without following a
 * final link and checked to still be exactly `hostPath`. mount(2) follows links, and a container
 * sharing a volume could swap one in between the check above and the mount: through the
 * descriptor, the mount lands where it was checked, or fails.
 */
export function withPinnedPath<T>(hostPath: string, kind: MountPointKind, act: (pinned: string) => T): T {
  const flags = O_PATH | fs.constants.O_NOFOLLOW | (kind === 'directory' ? fs.constants.O_DIRECTORY : 0);
  const fd = fs.openSync(hostPath, flags);
  try {
    const stat = fs.fstatSync(fd);
    if (kind === 'directory' ? !stat.isDirectory() : stat.isDirectory() || stat.isSymbolicLink()) {
      throw new Error(`${hostPath} changed while being mounted: it is no longer a ${kind}`);
    }
    const pinned = `/proc/self/fd/${fd}`;
    const now = fs.readlinkSync(pinned);
    if (now !== hostPath) throw new Error(`${hostPath} changed while being mounted: it is now ${now}`);
    return act(pinned);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Unmounts what was mounted at `hostPath`, through a descriptor as above, so that a link a
 * container put there meanwhile cannot turn the unmount onto a host mount. Nothing there, a link,
 * or a path that now resolves elsewhere means our mount is gone (the kernel detaches a mount whose
 * mount point is removed, even from another namespace): done, idempotently.
 */
export function unmountPinned(kernel: Pick<Kernel, 'umount'>, hostPath: string): void {
  let fd: number;
  try {
    fd = fs.openSync(hostPath, O_PATH | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  try {
    const pinned = `/proc/self/fd/${fd}`;
    if (fs.fstatSync(fd).isSymbolicLink() || fs.readlinkSync(pinned) !== hostPath) return;
    try {
      // Lazily: our own descriptor keeps the mount busy. It goes when the descriptor is closed.
      kernel.umount(pinned, MNT.DETACH);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EINVAL' || code === 'ENOENT') return; // not a mount point (any more)
      throw error;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Creates a directory or an empty file; false if something appeared there first. */
function create(host: string, kind: MountPointKind): boolean {
  try {
    if (kind === 'directory') fs.mkdirSync(host, { mode: 0o755 });
    else fs.closeSync(fs.openSync(host, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o644));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
