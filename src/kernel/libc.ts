// The real Kernel: libc calls through koffi, on the calling (main) thread. Never use koffi's async
// variants here: namespaces and the root belong to a thread, and async calls run on a worker.
import type { Kernel } from '../../hooks/index.js';
import { KernelError } from './kernel-error.js';
import { loadKoffi } from './koffi.js';

// ioctl requests from <asm-generic/ioctls.h>.
const TIOCSPTLCK = 0x40045431;
const TIOCGPTN = 0x80045430;
const TIOCSWINSZ = 0x5414;
// <linux/sockios.h>, and struct ifreq: a 16-byte name, then a union whose ifr_flags is a short.
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFREQ_SIZE = 40;
const IFF_UP = 0x1;

// pivot_root has no glibc wrapper.
const SYS_PIVOT_ROOT: Partial<Record<NodeJS.Architecture, number>> = { x64: 155, arm64: 41, riscv64: 41 };
// Nor has bpf.
const SYS_BPF: Partial<Record<NodeJS.Architecture, number>> = { x64: 321, arm64: 280, riscv64: 280 };
// openat2 came after the architectures' tables were unified: one number everywhere.
const SYS_OPENAT2 = 437;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_IN_ROOT = 0x10;

let cached: Kernel | undefined;

/** The process-wide libc Kernel, loaded on first use (koffi costs 8-12 ms to load: see koffi.ts). */
export function libcKernel(): Kernel {
  cached ??= createLibcKernel();
  return cached;
}

function createLibcKernel(): Kernel {
  // Loaded here, not at import: commands that make no kernel calls (ps, images) never pay for it.
  const koffi = loadKoffi();
  const libc = koffi.load('libc.so.6');
  const unshare = libc.func('int unshare(int flags)');
  const setns = libc.func('int setns(int fd, int nstype)');
  const mount = libc.func(
    'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
  );
  const umount2 = libc.func('int umount2(const char *target, int flags)');
  const syscall = libc.func('long syscall(long number, ...)');
  const chdir = libc.func('int chdir(const char *path)');
  const fchdir = libc.func('int fchdir(int fd)');
  const sethostname = libc.func('int sethostname(const char *name, size_t len)');
  const mknod = libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)');
  const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
  const pipe2 = libc.func('int pipe2(_Out_ int *fds, int flags)');
  const O_CLOEXEC = 0o2000000;
  const flock = libc.func('int flock(int fd, int operation)');
  const lsetxattr = libc.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)');
  const lgetxattr = libc.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)');
  const ENODATA = 61;
  const socket = libc.func('int socket(int domain, int type, int protocol)');
  const close = libc.func('int close(int fd)');
  const AF_INET = 2;
  const setsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t size)');
  const send = libc.func('long send(int fd, const void *data, size_t size, int flags)');
  const recv = libc.func('long recv(int fd, _Out_ void *data, size_t size, int flags)');
  const AF_NETLINK = 16;
  const SOCK_RAW_CLOEXEC = 3 | 0o2000000;
  const SOL_SOCKET = 1;
  const SO_RCVTIMEO = 20;
  const MSG_TRUNC = 0x20;
  const memfdCreate = libc.func('int memfd_create(const char *name, unsigned int flags)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
  const F_ADD_SEALS = 1033;
  const SOCK_DGRAM_CLOEXEC = 2 | 0o2000000;

  // Reads errno right after the call: anything in between (even a console.log) may clobber it.
  const check = (result: number | bigint, name: string, detail?: string): void => {
    if (Number(result) < 0) throw new KernelError(name, koffi.errno(), detail);
  };

  return {
    unshare: (flags) => check(unshare(flags), 'unshare', `0x${flags.toString(16)}`),
    setns: (fd, nstype) => check(setns(fd, nstype), 'setns', `0x${nstype.toString(16)}`),
    mount: (source, target, fstype, flags, data) =>
      check(mount(source, target, fstype, flags, data), 'mount', `${fstype ?? source ?? 'none'} on ${target}`),
    umount: (target, flags) => check(umount2(target, flags), 'umount2', target),
    pivotRoot: (newRoot, putOld) => {
      const nr = SYS_PIVOT_ROOT[process.arch];
      if (nr === undefined) throw new KernelError('pivot_root', 38 /* ENOSYS */, `unsupported arch ${process.arch}`);
      check(syscall(nr, 'str', newRoot, 'str', putOld), 'pivot_root', `${newRoot}, ${putOld}`);
    },
    chdir: (path) => check(chdir(path), 'chdir', path),
    fchdir: (fd) => check(fchdir(fd), 'fchdir'),
    sethostname: (name) => check(sethostname(name, Buffer.byteLength(name)), 'sethostname', name),
    mknod: (path, mode, major, minor) => {
      // makedev() for the small numbers of the standard devices.
      const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n);
      check(mknod(path, mode, dev), 'mknod', path);
    },
    unlockPty: (masterFd) => {
      check(ioctl(masterFd, TIOCSPTLCK, 'int *', [0]), 'ioctl', 'TIOCSPTLCK');
      const number = Buffer.alloc(4);
      check(ioctl(masterFd, TIOCGPTN, 'void *', number), 'ioctl', 'TIOCGPTN');
      return number.readUInt32LE(0);
    },
    flock: (fd, operation) => check(flock(fd, operation), 'flock'),
    setxattr: (file, name, value) => {
      const data = Buffer.from(value);
      check(lsetxattr(file, name, data, data.length, 0), 'lsetxattr', `${name} on ${file}`);
    },
    getxattr: (file, name) => {
      const buf = Buffer.alloc(256);
      const n = Number(lgetxattr(file, name, buf, buf.length));
      if (n >= 0) return buf.subarray(0, n).toString();
      const errno = koffi.errno();
      if (errno === ENODATA) return null;
      throw new KernelError('lgetxattr', errno, `${name} on ${file}`);
    },
    pipe: () => {
      const fds = [0, 0];
      check(pipe2(fds, O_CLOEXEC), 'pipe2');
      return [fds[0]!, fds[1]!];
    },
    bpf: (cmd, attr, pointers = []) => {
      const nr = SYS_BPF[process.arch];
      if (nr === undefined) throw new KernelError('bpf', 38 /* ENOSYS */, `unsupported arch ${process.arch}`);
      // The attr's pointer fields need addresses that JavaScript cannot give a Buffer: each pointed-to
      // buffer is copied into native memory whose address goes into a copy of attr, and back after.
      const request = Buffer.from(attr);
      const native: Array<{ mem: unknown; data: Buffer }> = [];
      try {
        for (const { offset, data } of pointers) {
          const mem = koffi.alloc('uint8_t', Math.max(1, data.length));
          native.push({ mem, data });
          new Uint8Array(koffi.view(mem, data.length)).set(data);
          request.writeBigUInt64LE(koffi.address(mem), offset);
        }
        const result = Number(syscall(nr, 'long', cmd, 'void *', request, 'long', request.length));
        check(result, 'bpf', `cmd ${cmd}`);
        return result;
      } finally {
        for (const { mem, data } of native) {
          data.set(new Uint8Array(koffi.view(mem, data.length)));
          koffi.free(mem);
        }
      }
    },
    interfaceUp: (name) => {
      // An ioctl on any socket of the namespace: no netlink needed to bring up a container's lo.
      const fd = Number(socket(AF_INET, SOCK_DGRAM_CLOEXEC, 0));
      check(fd, 'socket', 'AF_INET');
      try {
        const ifreq = Buffer.alloc(IFREQ_SIZE);
        ifreq.write(name, 0, 15);
        check(ioctl(fd, SIOCGIFFLAGS, 'void *', ifreq), 'ioctl', `SIOCGIFFLAGS ${name}`);
        ifreq.writeUInt16LE(ifreq.readUInt16LE(16) | IFF_UP, 16);
        check(ioctl(fd, SIOCSIFFLAGS, 'void *', ifreq), 'ioctl', `SIOCSIFFLAGS ${name}`);
      } finally {
        close(fd);
      }
    },
    netlinkSocket: (protocol, timeoutMs) => {
      const fd = Number(socket(AF_NETLINK, SOCK_RAW_CLOEXEC, protocol));
      check(fd, 'socket', `AF_NETLINK ${protocol}`);
      try {
        const timeval = Buffer.alloc(16); // struct timeval: two longs
        timeval.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
        timeval.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1000), 8);
        check(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, timeval.length), 'setsockopt', 'SO_RCVTIMEO');
      } catch (error) {
        close(fd);
        throw error;
      }
      return fd;
    },
    send: (fd, data) => {
      const sent = Number(send(fd, data, data.length, 0));
      check(sent, 'send');
      if (sent !== data.length) throw new KernelError('send', 5 /* EIO */, `${sent} of ${data.length} bytes`);
    },
    // MSG_TRUNC: the datagram's real length, so that a caller sees it did not fit.
    receive: (fd, buffer) => {
      const n = Number(recv(fd, buffer, buffer.length, MSG_TRUNC));
      check(n, 'recv');
      return n;
    },
    memfdCreate: (name, flags) => {
      const fd = memfdCreate(name, flags);
      check(fd, 'memfd_create', name);
      return fd;
    },
    addSeals: (fd, seals) => check(fcntl(fd, F_ADD_SEALS, 'int', seals), 'fcntl', 'F_ADD_SEALS'),
    openInRoot: (rootFd, path, flags) => {
      // struct open_how { u64 flags; u64 mode; u64 resolve; }
      const how = Buffer.alloc(24);
      how.writeBigUInt64LE(BigInt(flags | O_CLOEXEC), 0);
      how.writeBigUInt64LE(BigInt(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), 16);
      const fd = Number(syscall(SYS_OPENAT2, 'int', rootFd, 'str', path, 'void *', how, 'long', how.length));
      check(fd, 'openat2', path);
      return fd;
    },
    setWindowSize: (fd, rows, cols) => {
      const size = Buffer.alloc(8);
      size.writeUInt16LE(rows, 0);
      size.writeUInt16LE(cols, 2);
      check(ioctl(fd, TIOCSWINSZ, 'void *', size), 'ioctl', 'TIOCSWINSZ');
    },
  };
}
