// The mounts that confine a container, made in the launch window (runtime process, main thread)
// after pivot_root, so every path here resolves inside the container's root: Docker's masked and
// read-only /proc and /sys paths, --tmpfs mounts, --device nodes, and last --read-only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MS, type DeviceMapping, type Kernel } from '../../hooks/index.js';
import type { TmpfsMount } from '../security/options.js';

/** Hidden from the container: files get /dev/null over them, directories an empty read-only tmpfs. */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
] as const;

/** Readable but not writable: the host's kernel settings and interrupt routing live there. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'] as const;

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

export interface ConfineSpec {
  privileged: boolean;
  readOnlyRootfs: boolean;
  tmpfs: readonly TmpfsMount[];
  /** --device nodes, and with --privileged every device node of the host. */
  devices: readonly DeviceMapping[];
}

export function confineMounts(kernel: Kernel, spec: ConfineSpec): void {
  if (!spec.privileged) {
    for (const target of MASKED_PATHS) mask(kernel, target);
    for (const target of READONLY_PATHS) readOnly(kernel, target);
  }
  for (const t of spec.tmpfs) mountTmpfs(kernel, t);
  for (const device of spec.devices) makeDevice(kernel, device);
  // Last: everything above had to create its mount points in the root first.
  if (spec.readOnlyRootfs) kernel.mount(null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
}

function kindOf(target: string): 'file' | 'directory' | null {
  try {
    return fs.lstatSync(target).isDirectory() ? 'directory' : 'file';
  } catch {
    return null; // this kernel lacks it: nothing to hide
  }
}

export function mask(kernel: Kernel, target: string): void {
  const kind = kindOf(target);
  if (kind === 'directory') kernel.mount('tmpfs', target, 'tmpfs', MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, 'size=0,mode=555');
  else if (kind === 'file') kernel.mount('/dev/null', target, null, MS.BIND, null);
}

export function readOnly(kernel: Kernel, target: string): void {
  if (kindOf(target) === null) return;
  kernel.mount(target, target, null, MS.BIND | MS.REC, null);
  kernel.mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
}

/** Docker's defaults for --tmpfs: noexec, nosuid, nodev, unless the options say otherwise. */
export function tmpfsArguments(options: string): { flags: number; data: string } {
  let flags = MS.NOEXEC | MS.NOSUID | MS.NODEV;
  const data: string[] = [];
  const FLAG: Record<string, [number, boolean]> = {
    ro: [MS.RDONLY, true], rw: [MS.RDONLY, false], noexec: [MS.NOEXEC, true], exec: [MS.NOEXEC, false],
    nosuid: [MS.NOSUID, true], suid: [MS.NOSUID, false], nodev: [MS.NODEV, true], dev: [MS.NODEV, false],
    noatime: [MS.NOATIME, true], atime: [MS.NOATIME, false], nodiratime: [MS.NODIRATIME, true], diratime: [MS.NODIRATIME, false],
    relatime: [MS.RELATIME, true], norelatime: [MS.RELATIME, false], strictatime: [MS.STRICTATIME, true], nostrictatime: [MS.STRICTATIME, false],
  };
  for (const option of options === '' ? [] : options.split(',')) {
    const flag = FLAG[option];
    if (flag) flags = flag[1] ? flags | flag[0] : flags & ~flag[0];
    else if (option !== 'sync' && option !== 'async') data.push(option.replace(/^tmpfs-(size|mode)=/, '$1='));
  }
  return { flags, data: data.join(',') };
}

function mountTmpfs(kernel: Kernel, t: TmpfsMount): void {
  // Paths resolve inside the container's root here, the image's symlinks included.
  fs.mkdirSync(t.path, { recursive: true, mode: 0o755 });
  const { flags, data } = tmpfsArguments(t.options);
  kernel.mount('tmpfs', t.path, 'tmpfs', flags, data || null);
}

function makeDevice(kernel: Kernel, d: DeviceMapping): void {
  fs.mkdirSync(path.posix.dirname(d.containerPath), { recursive: true, mode: 0o755 });
  fs.rmSync(d.containerPath, { force: true }); // a standard node of the same name is replaced
  kernel.mknod(d.containerPath, (d.type === 'b' ? S_IFBLK : S_IFCHR) | (d.fileMode & 0o7777), d.major, d.minor);
  fs.chmodSync(d.containerPath, d.fileMode & 0o7777); // mknod's mode went through the umask
  fs.chownSync(d.containerPath, d.uid, d.gid);
}

/** major and minor of a device number as st_rdev holds it (glibc's encoding). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  // The kernel's encoding is (minor & 0xff) | major << 8 | (minor & ~0xff) << 12.
  const major = ((rdev & 0xfff00n) >> 8n) | ((rdev & 0xfffff00000000000n) >> 32n);
  const minor = (rdev & 0xffn) | ((rdev & 0xffffff00000n) >> 12n);
  return { major: Number(major), minor: Number(minor) };
}

/**
 * Every device node of the host's /dev (for --privileged, as Docker gives them), read before the
 * container's root replaces the host's. The container's own /dev entries (pts, shm, mqueue) and
 * its standard nodes are not taken.
 */
export function hostDevices(dev = '/dev'): DeviceMapping[] {
  const found: DeviceMapping[] = [];
  const skip = new Set(['pts', 'shm', 'mqueue', 'fd', 'console', 'ptmx', 'null', 'zero', 'full', 'random', 'urandom', 'tty']);
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (depth === 0 && skip.has(entry.name)) continue;
      if (entry.isDirectory() && depth < 3) walk(full, depth + 1);
      if (!entry.isCharacterDevice() && !entry.isBlockDevice()) continue;
      try {
        const st = fs.statSync(full, { bigint: true });
        found.push({
          hostPath: full,
          containerPath: full.slice(dev.length) === '' ? '/dev' : `/dev${full.slice(dev.length)}`,
          type: entry.isBlockDevice() ? 'b' : 'c',
          ...splitDev(st.rdev),
          fileMode: Number(st.mode & 0o7777n),
          uid: Number(st.uid),
          gid: Number(st.gid),
          permissions: 'rwm',
        });
      } catch {
        // vanished meanwhile
      }
    }
  };
  walk(dev, 0);
  return found;
}
