// The container's minimal /dev, made inside its mount namespace before pivot_root (the runtime's
// main thread, during the launch window): a tmpfs with the standard character devices, its own
// devpts instance (so its ptys are its own), /dev/shm and /dev/mqueue.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MS, type Kernel } from '../../hooks/index.js';

const S_IFCHR = 0o020000;

export const DEVICES = [
  { name: 'null', major: 1, minor: 3 },
  { name: 'zero', major: 1, minor: 5 },
  { name: 'full', major: 1, minor: 7 },
  { name: 'random', major: 1, minor: 8 },
  { name: 'urandom', major: 1, minor: 9 },
  { name: 'tty', major: 5, minor: 0 },
] as const;

const LINKS = [
  ['ptmx', 'pts/ptmx'],
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
  ['core', '/proc/kcore'],
] as const;

/** Docker's default size of /dev/shm (`--shm-size`). */
export const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

export function populateDev(kernel: Kernel, dev: string, shmBytes = DEFAULT_SHM_BYTES): void {
  kernel.mount('tmpfs', dev, 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k');
  for (const d of DEVICES) {
    const node = path.join(dev, d.name);
    kernel.mknod(node, S_IFCHR | 0o666, d.major, d.minor);
    fs.chmodSync(node, 0o666); // mknod's mode went through the umask
  }
  for (const [name, target] of LINKS) fs.symlinkSync(target, path.join(dev, name));
  for (const dir of ['pts', 'shm', 'mqueue']) fs.mkdirSync(path.join(dev, dir), { mode: 0o755 });
  kernel.mount('devpts', path.join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  kernel.mount('shm', path.join(dev, 'shm'), 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, `mode=1777,size=${shmBytes % 1024 === 0 ? `${shmBytes / 1024}k` : shmBytes}`);
  kernel.mount('mqueue', path.join(dev, 'mqueue'), 'mqueue', MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
}
