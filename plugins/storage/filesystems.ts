// Whether the running kernel knows a filesystem type (/proc/filesystems), for drivers' checks.
import * as fs from 'node:fs';

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

/** umount that treats "not mounted" and "no such path" as done: teardowns must be idempotent. */
export function unmountIfMounted(kernel: { umount(target: string, flags: number): void }, target: string): void {
  try {
    kernel.umount(target, 0);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EINVAL' || code === 'ENOENT') return;
    if (code === 'EBUSY') {
      kernel.umount(target, 2 /* MNT_DETACH: whoever still holds it keeps it, the host loses it */);
      return;
    }
    throw error;
  }
}
