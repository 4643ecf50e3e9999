// glibc's posix_spawn through koffi: the child is made with clone(CLONE_VM|CLONE_VFORK), sharing our
// memory until its exec, where libuv's fork() copies the page tables of an 80 MB Node process and
// takes its copy-on-write faults (6-13 ms a spawn on this host, 0.7-2.6 ms this way). Like fork(),
// the clone is made by the calling thread: a child spawned from the main thread inside the
// container's namespaces is born in them (launch.ts relies on it).
// Only the calls src/process/spawn-light.ts needs; null where this libc lacks one (addchdir_np came
// with glibc 2.29, POSIX_SPAWN_SETSID with 2.26), so that the caller falls back to Node's spawn.
import * as fs from 'node:fs';
import { loadKoffi } from './koffi.js';

/** What to do in the child between the clone and the exec, in this order. */
export type SpawnAction = { op: 'dup2'; from: number; to: number } | { op: 'open'; fd: number; path: string; flags: number };

export interface SpawnPlan {
  path: string;
  argv: readonly string[];
  envp: readonly string[];
  cwd: string | null;
  /** A session of its own (setsid), as Node's `detached`. */
  setsid: boolean;
  actions: readonly SpawnAction[];
}

/** How a reaped child ended: its exit code, or the number of the signal that killed it. */
export type Reaped = { code: number; signal: null } | { code: null; signal: number };

export interface PosixSpawn {
  /** The child's pid, or the errno posix_spawn returned (its exec failing included: ENOENT, EACCES). */
  spawn(plan: SpawnPlan): { pid: number } | { errno: number };
  /** waitpid(pid, WNOHANG): null while it runs; 'gone' when it is not our child (reaped by another). */
  reap(pid: number): Reaped | null | 'gone';
  /** A close-on-exec duplicate of `fd` numbered `min` or more (F_DUPFD_CLOEXEC). */
  dupAtLeast(fd: number, min: number): number;
  /** Clears O_NONBLOCK on the open file description of `fd` (what libuv's child does to its stdio). */
  setBlocking(fd: number): void;
  /** A close-on-exec AF_UNIX stream socket pair, as libuv makes for a 'pipe'. */
  socketPair(): [number, number];
  /** close(2), quietly: what is closed is ours, and a failure leaves nothing to do. */
  close(fd: number): void;
}

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
// Larger than glibc's posix_spawn_file_actions_t (80 bytes on 64-bit), posix_spawnattr_t (336) and
// sigset_t (128): the functions write into them, and only glibc reads them.
const ACTIONS_SIZE = 256;
const ATTR_SIZE = 512;
const SIGSET_SIZE = 128;
const WNOHANG = 1;
const ECHILD = 10;
const F_GETFL = 3;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const O_NONBLOCK = 0o4000;
const AF_UNIX = 1;
const SOCK_STREAM_CLOEXEC = 1 | 0o2000000;

let cached: PosixSpawn | null | undefined;

/** The process-wide binding, or null where koffi, libc or one of the calls is missing. */
export function posixSpawn(): PosixSpawn | null {
  if (cached === undefined) {
    try {
      cached = bind();
    } catch {
      cached = null;
    }
  }
  return cached;
}

function bind(): PosixSpawn {
  const koffi = loadKoffi();
  const libc = koffi.load('libc.so.6');
  const spawn = libc.func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)');
  const actionsInit = libc.func('int posix_spawn_file_actions_init(void *actions)');
  const actionsDestroy = libc.func('int posix_spawn_file_actions_destroy(void *actions)');
  const addDup2 = libc.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)');
  const addOpen = libc.func('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int flags, uint32_t mode)');
  const addChdir = libc.func('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)');
  const attrInit = libc.func('int posix_spawnattr_init(void *attr)');
  const attrDestroy = libc.func('int posix_spawnattr_destroy(void *attr)');
  const setFlags = libc.func('int posix_spawnattr_setflags(void *attr, short flags)');
  const setSigDefault = libc.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)');
  const setSigMask = libc.func('int posix_spawnattr_setsigmask(void *attr, const void *set)');
  const sigemptyset = libc.func('int sigemptyset(void *set)');
  const waitpid = libc.func('int waitpid(int pid, _Out_ int *status, int options)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
  const socketpair = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *fds)');

  // The same for every spawn: every signal back to its default action (Node ignores SIGPIPE and
  // SIGXFSZ, and an ignored signal stays ignored across exec), and nothing blocked. All 64 bits by
  // hand: sigfillset() leaves out glibc's internal signals (32, 33), which its posix_spawn would
  // then leave ignored in the child, and so in the container's programs.
  const allSignals = Buffer.alloc(SIGSET_SIZE);
  allSignals.fill(0xff, 0, 8);
  const noSignals = Buffer.alloc(SIGSET_SIZE);
  sigemptyset(noSignals);

  /** posix_spawn's calls return an errno rather than setting it. */
  const ok = (errno: number, what: string): void => {
    if (errno !== 0) throw Object.assign(new Error(`${what} failed`), { errno });
  };

  return {
    spawn: (plan) => {
      const actions = Buffer.alloc(ACTIONS_SIZE);
      const attr = Buffer.alloc(ATTR_SIZE);
      ok(actionsInit(actions), 'posix_spawn_file_actions_init');
      try {
        ok(attrInit(attr), 'posix_spawnattr_init');
        try {
          for (const action of plan.actions) {
            if (action.op === 'dup2') ok(addDup2(actions, action.from, action.to), 'posix_spawn_file_actions_adddup2');
            else ok(addOpen(actions, action.fd, action.path, action.flags, 0), 'posix_spawn_file_actions_addopen');
          }
          if (plan.cwd !== null) ok(addChdir(actions, plan.cwd), 'posix_spawn_file_actions_addchdir_np');
          ok(setFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (plan.setsid ? POSIX_SPAWN_SETSID : 0)), 'posix_spawnattr_setflags');
          ok(setSigDefault(attr, allSignals), 'posix_spawnattr_setsigdefault');
          ok(setSigMask(attr, noSignals), 'posix_spawnattr_setsigmask');
          const pid = [0];
          const errno = spawn(pid, plan.path, actions, attr, [...plan.argv, null], [...plan.envp, null]) as number;
          return errno === 0 ? { pid: pid[0]! } : { errno };
        } finally {
          attrDestroy(attr);
        }
      } catch (error) {
        const errno = (error as { errno?: number }).errno;
        if (errno !== undefined) return { errno };
        throw error;
      } finally {
        actionsDestroy(actions);
      }
    },
    reap: (pid) => {
      const status = [0];
      const result = waitpid(pid, status, WNOHANG) as number;
      if (result === 0) return null;
      if (result < 0) {
        const errno = koffi.errno();
        if (errno === ECHILD) return 'gone';
        throw Object.assign(new Error(`waitpid ${pid} failed`), { errno });
      }
      const s = status[0]!;
      // WIFEXITED / WEXITSTATUS / WTERMSIG of <sys/wait.h>; stops are not asked for (no WUNTRACED).
      return (s & 0x7f) === 0 ? { code: (s >> 8) & 0xff, signal: null } : { code: null, signal: s & 0x7f };
    },
    dupAtLeast: (fd, min) => {
      const copy = fcntl(fd, F_DUPFD_CLOEXEC, 'int', min) as number;
      if (copy < 0) throw Object.assign(new Error(`fcntl(${fd}, F_DUPFD_CLOEXEC) failed`), { errno: koffi.errno() });
      return copy;
    },
    setBlocking: (fd) => {
      const flags = fcntl(fd, F_GETFL) as number;
      if (flags >= 0 && (flags & O_NONBLOCK) !== 0) fcntl(fd, F_SETFL, 'int', flags & ~O_NONBLOCK);
    },
    socketPair: () => {
      const fds = [0, 0];
      if ((socketpair(AF_UNIX, SOCK_STREAM_CLOEXEC, 0, fds) as number) < 0) {
        throw Object.assign(new Error('socketpair failed'), { errno: koffi.errno() });
      }
      return [fds[0]!, fds[1]!];
    },
    close: (fd) => {
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
    },
  };
}
