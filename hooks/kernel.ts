// The kernel interface the core and plugins share (the libc implementation is src/kernel/libc.ts;
// tests pass a fake), and the flag values its calls take. A plugin calls the kernel through
// `ctx.kernel`, never through koffi of its own, so that tests can watch it.

/** Kernel calls as a plugin may need them. Failures throw a KernelError naming call, path and errno (see KernelFailure). */
export interface Kernel {
  unshare(flags: number): void;
  setns(fd: number, nstype: number): void;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;
  pivotRoot(newRoot: string, putOld: string): void;
  chdir(path: string): void;
  fchdir(fd: number): void;
  sethostname(name: string): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** Unlocks a pty master and returns its number (the N of /dev/pts/N in its devpts). */
  unlockPty(masterFd: number): number;
  setWindowSize(fd: number, rows: number, cols: number): void;
  /** A close-on-exec pipe with blocking ends: [read, write]. */
  pipe(): [number, number];
  /** flock(2) on a descriptor: LOCK_EX = 2, LOCK_UN = 8. Blocks the calling thread. */
  flock(fd: number, operation: number): void;
  /** lsetxattr(2): sets an extended attribute on a path (not following a final link). */
  setxattr(path: string, name: string, value: string): void;
  /** lgetxattr(2): the attribute's value, or null when the path has none of that name. */
  getxattr(path: string, name: string): string | null;
  /** Sets a network interface up (SIOCSIFFLAGS), in the calling thread's network namespace. */
  interfaceUp(name: string): void;
  /** bpf(2) `cmd` on `attr` (union bpf_attr); each of `pointers` is passed by address at its offset in attr (and copied back: a log buffer); returns the result (PROG_LOAD: a new fd). */
  bpf(cmd: number, attr: Buffer, pointers?: ReadonlyArray<{ readonly offset: number; readonly data: Buffer }>): number;
  /** memfd_create(2): an anonymous file's descriptor; flags MFD.CLOEXEC, MFD.ALLOW_SEALING. */
  memfdCreate(name: string, flags: number): number;
  /** fcntl(F_ADD_SEALS): forbids, for good, what `seals` names (SEAL.WRITE, ...) on a memfd. */
  addSeals(fd: number, seals: number): void;
  /**
   * openat2(2) with RESOLVE_IN_ROOT and RESOLVE_NO_MAGICLINKS: `path` resolved as if `rootFd` were
   * "/" (absolute links start again at it, ".." stops at it), as the kernel resolves paths for a
   * process whose root that is; a close-on-exec descriptor (`flags` are open(2)'s, e.g. O_PATH).
   */
  openInRoot(rootFd: number, path: string, flags: number): number;
  /**
   * A close-on-exec netlink socket of `protocol` (0 is NETLINK_ROUTE), bound to the calling
   * thread's network namespace for good; a receive on it waits at most `timeoutMs`. Its fd: close
   * it with fs.closeSync.
   */
  netlinkSocket(protocol: number, timeoutMs: number): number;
  /** send(2) of one whole datagram (on a netlink socket: to the kernel). */
  send(fd: number, data: Buffer): void;
  /** recv(2) of one datagram into `buffer`, blocking; the datagram's length (beyond the buffer: truncated). */
  receive(fd: number, buffer: Buffer): number;
}

/** Namespace and mount flags plugins commonly need (values from <linux/sched.h>, <sys/mount.h>). */
export const CLONE = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
  FS: 0x00000200,
} as const;

/**
 * A container's namespaces as /proc/<pid>/ns/<file> names them, in the order to join them with
 * setns(): the mount namespace last, because once in it /proc/<pid> of the host is out of reach
 * (open every descriptor first). Entering pid only changes where the next child is born.
 */
export const CONTAINER_NAMESPACES = [
  { file: 'ipc', nstype: CLONE.NEWIPC },
  { file: 'uts', nstype: CLONE.NEWUTS },
  { file: 'net', nstype: CLONE.NEWNET },
  { file: 'pid', nstype: CLONE.NEWPID },
  { file: 'mnt', nstype: CLONE.NEWNS },
] as const;

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
} as const;

export const MNT = { FORCE: 1, DETACH: 2 } as const;

/** memfd_create flags and the seals of fcntl(F_ADD_SEALS), from <linux/memfd.h>, <linux/fcntl.h>. */
export const MFD = { CLOEXEC: 1, ALLOW_SEALING: 2 } as const;
export const SEAL = { SEAL: 1, SHRINK: 2, GROW: 4, WRITE: 8 } as const;
