// Whether the running kernel knows a filesystem type (/proc/filesystems), for drivers' checks, and
// loading its module when it does not yet, as Docker does: on a freshly booted stock Debian or
// Ubuntu, overlay is a module nothing has loaded.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
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

/** Asks for a kernel module; whether it loaded is for the caller to check again. */
export type ModuleLoader = (module: string) => void;

/**
 * `modprobe -q MODULE`. A failure is not itself an error (no modprobe, no such module, a kernel
 * without modules, the feature built in): the caller's second look gives the clear message.
 */
export const modprobe: ModuleLoader = (module) => {
  // Loaded here, rarely: every run imports this file, and node:child_process costs ~1.4 ms to load.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  spawnSync('modprobe', ['-q', module], { stdio: 'ignore', timeout: 10_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
};

/**
 * Whether the kernel knows `type`, loading `module` first when /proc/filesystems does not list it.
 * When it does (the usual case after the first run), no process is spawned.
 */
export function ensureFilesystem(type: string, options: { module?: string; load?: ModuleLoader; procFilesystems?: string } = {}): boolean {
  const file = options.procFilesystems ?? '/proc/filesystems';
  if (kernelHasFilesystem(type, file)) return true;
  (options.load ?? modprobe)(options.module ?? type);
  return kernelHasFilesystem(type, file);
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
