// The `options` of an OCI mount (config.json `mounts[].options`), as mount(8) and runc read them:
// flags for mount(2) (<linux/mount.h>), propagation changes made by a second call, and whatever
// else is the file system's own data ("size=64m", "mode=755"). Pure.

const SET: Record<string, number> = {
  ro: 0x1, // MS_RDONLY
  nosuid: 0x2,
  nodev: 0x4,
  noexec: 0x8,
  sync: 0x10,
  remount: 0x20,
  mand: 0x40,
  dirsync: 0x80,
  noatime: 0x400,
  nodiratime: 0x800,
  bind: 0x1000,
  rbind: 0x1000 | 0x4000, // MS_BIND | MS_REC
  silent: 0x8000,
  relatime: 0x200000,
  strictatime: 0x1000000,
  lazytime: 0x2000000,
};

/** Options that clear what another one set (mount(8): "rw" undoes "ro", and so on). */
const CLEAR: Record<string, number> = {
  rw: 0x1,
  suid: 0x2,
  dev: 0x4,
  exec: 0x8,
  async: 0x10,
  nomand: 0x40,
  atime: 0x400,
  diratime: 0x800,
  loud: 0x8000,
  norelatime: 0x200000,
  nostrictatime: 0x1000000,
  nolazytime: 0x2000000,
  defaults: 0,
};

const PROPAGATION: Record<string, number> = {
  private: 0x40000,
  rprivate: 0x40000 | 0x4000,
  slave: 0x80000,
  rslave: 0x80000 | 0x4000,
  shared: 0x100000,
  rshared: 0x100000 | 0x4000,
  unbindable: 0x20000,
  runbindable: 0x20000 | 0x4000,
};

/** A propagation's mount(2) flags ("rshared": MS_SHARED | MS_REC); undefined for another word. */
export function propagationFlags(name: string): number | undefined {
  return PROPAGATION[name];
}

export const MOUNT_BIND = 0x1000;
export const MOUNT_RDONLY = 0x1;

export interface MountOptions {
  /** mount(2) flags. */
  flags: number;
  /** Propagation flags, applied by their own mount(2) call after the mount (one per entry). */
  propagation: number[];
  /** The file system's own options, joined with commas; null when there are none. */
  data: string | null;
}

export function parseMountOptions(options: readonly string[]): MountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const option of options) {
    if (option in SET) flags |= SET[option]!;
    else if (option in CLEAR) flags &= ~CLEAR[option]!;
    else if (option in PROPAGATION) propagation.push(PROPAGATION[option]!);
    else data.push(option);
  }
  return { flags, propagation, data: data.length > 0 ? data.join(',') : null };
}
