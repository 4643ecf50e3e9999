// Whether the running kernel knows a filesystem type (/proc/filesystems), for drivers' checks.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function kernelHasFilesystem(type: string, procFilesystems = '/proc/filesystems'): boolean {
  try {
    return fs
      .readFileSync(procFilesystems, 'utf8')
      .split('\n')
      .some((line) => line.split('\t').pop()?.trim() === type);
  } catch {
    return false;
  }
}

/**
 * umount that treats "not mounted" and "no such path" as done (teardowns must be idempotent), and
 * goes on while a mount is still there: a start killed right after its mount, then started again
 * by an older mydocker, may have left two stacked on one directory.
 */
export function unmountIfMounted(kernel: { umount(target: string, flags: number): void }, target: string): void {
  for (let i = 0; i < 16; i++) {
    try {
      kernel.umount(target, 0);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EINVAL' || code === 'ENOENT') return;
      if (code !== 'EBUSY') throw error;
      kernel.umount(target, 2 /* MNT_DETACH: whoever still holds it keeps it, the host loses it */);
    }
    if (!isMountPoint(target)) return;
  }
}

/** Whether a directory is the root of a mount: on another device than its parent (one stat each). */
export function isMountPoint(dir: string): boolean {
  try {
    return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev;
  } catch {
    return false;
  }
}
