// Creates the container's first process, in the runtime process, in one synchronous window on the
// main thread. Namespaces belong to a thread: between unshare() and the setns() calls that return,
// the main thread lives inside the container's namespaces, so nothing asynchronous may run and every
// module must already be loaded. The window, in order:
//   unshare(MNT|UTS|IPC|NET|PID) -> make / private (systemd makes it shared; without this mounts leak
//   to the host and pivot_root fails) -> bind the rootfs onto itself (pivot_root wants a mount point)
//   -> hostname -> /dev, /sys -> terminal -> spawn the first process (PID 1, waiting on fd 3)
//   -> the first process joins its cgroups (a write of "0" to each group's file: it moves itself) and
//      mounts /proc (proc takes the PID namespace of its mounter): its prelude
//   -> pivot_root(".", ".") and detach the old root (moves PID 1's root along)
//   -> create the workdir and find the command, now resolved inside the container's root
//   -> setns() back into every host namespace and fchdir() back to the saved cwd.
// Detached (-d), the shim makes the namespaces and the first process; the window then starts by
// joining them with setns() instead of unshare() (enterNamespaces, hooks/namespaces.ts), and goes
// on the same way from the mounts. Either way the return goes through returnToOwnNamespaces.
// An OCI bundle (spec.bundle, src/oci/) changes four things and keeps the rest: the namespaces to
// create or join are its own, its mounts replace mydocker's /dev, /sys, /proc and confining mounts,
// the first process is spawned before them (right after the hostname) so that it makes the proc
// mounts in their place among the others (one prelude each), makes its cgroup namespace in the
// prelude that joins its groups (with a user namespace: after entering that, which then owns it)
// and, with a terminal, takes the pty in a last prelude, and it holds its own go pipe so that
// `start`, a later process, can send "go".
// With a user namespace, the bundle's namespaces are made inside it by a holder process and joined
// here instead (namespace-holder.ts), the PID one unshared here; the first process enters the user
// namespace in a prelude of its own, after every other.
// If anything fails, the first process is killed and the thread is returned to the host regardless.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLONE, CONTAINER_NAMESPACES, MNT, MS, type DeviceMapping, type Kernel } from '../../hooks/index.js';
import {
  NamespaceReturnError,
  enterNamespaces,
  openOwnNamespaces,
  returnToOwnNamespaces,
  closeOwnNamespaces,
  type EnteredNamespaces,
  type OwnNamespaces,
} from '../../hooks/namespaces.js';
import { MydockerError } from '../errors.js';
import { checkCommand, readContainerFile, readLine, writeAll } from './inside.js';
import { holdNamespaces, type BundleUserNamespace, type NamespaceHolder } from './namespace-holder.js';
import { INIT_ARGV0, INIT_GO_HELD_FLAG, INIT_PATH, INIT_PRESERVE_FLAG, INIT_READY_FLAG, PRELUDE_DONE, READY_MESSAGE, encodePrelude, type PreludeStep } from './first-process.js';
import { populateDev } from './dev.js';
import { confineMounts } from './confine-mounts.js';
import type { TmpfsMount } from '../security/options.js';
import type { HealthCheckTimes } from '../container/health.js';
import { resolveUser, type ResolvedUser } from '../security/user.js';
import type { SpawnFunction, SpawnLightOptions, SpawnedProcess } from './spawn-light.js';

export type StdioTarget = number | 'inherit' | 'ignore' | 'pipe';

export interface LaunchSpec {
  /** Host path of the prepared root filesystem. */
  rootfs: string;
  hostname: string;
  command: readonly string[];
  env: readonly string[];
  workdir: string;
  /** Give the container a pty from its own devpts; stdio is then the terminal. */
  tty: boolean;
  /** Without tty: what the container's fds 0, 1, 2 are. */
  stdio: [StdioTarget, StdioTarget, StdioTarget];
  /**
   * Detached: the first process is started by the shim (which stays as its parent, logs its output
   * and records its exit status), and this process joins its namespaces instead of creating them.
   */
  detached?: {
    shim: string;
    log: string;
    exitFile: string;
    cleanup: string[];
    /**
     * A health check: the shim runs `argv` an interval after the last one ended (the start interval
     * during the start period until one passes: exit 0), killing it past `limitMs`.
     */
    health?: HealthCheckTimes & { argv: string[] };
    /** Where the shim serves the container's stdio to attachers (see shim/mydocker-shim.c). */
    socket?: string;
    /** `-i`: attachers' input reaches the container (without a terminal, a pipe on its stdin). */
    stdin?: boolean;
  };
  /** `--net host`: keep the host's network namespace instead of a new one (with its own lo). */
  hostNetwork?: boolean;
  /** `-u`, looked up in the container's own /etc/passwd and /etc/group ("" is root). */
  user?: string;
  /** No masked or read-only paths, a writable /sys, every device of the host. */
  privileged?: boolean;
  readOnlyRootfs?: boolean;
  tmpfs?: readonly TmpfsMount[];
  devices?: readonly DeviceMapping[];
  /** Bytes of /dev/shm (`--shm-size`); Docker's 64 MiB when absent. */
  shmSize?: number;
  /** An OCI bundle's own namespaces and mounts (see BundleLaunch). */
  bundle?: BundleLaunch;
  /**
   * Cgroup files (v1 tasks, v2 cgroup.procs; host paths) the first process writes "0" into in its
   * prelude, joining those groups itself before pivot_root takes the host's /sys/fs/cgroup away.
   */
  cgroupJoins?: readonly string[];
}

/** What an OCI bundle's config.json decides instead of mydocker's defaults (src/oci/launch-plan.ts). */
export interface BundleLaunch {
  /** CLONE_NEW* flags to unshare; a type neither unshared nor joined stays the host's. */
  unshare: number;
  /** Namespaces to join first (a pod's), by path; opened before anything moves. */
  join: ReadonlyArray<{ readonly path: string; readonly nstype: number }>;
  /** null: the hostname is left as it is (no UTS namespace of its own). */
  hostname: string | null;
  /** The container's mounts stay slaves of the host's (rootfsPropagation slave), instead of private. */
  slave: boolean;
  /**
   * The config's mounts, in its order, and its device nodes (host paths under the rootfs), the first
   * process already waiting: `byFirstProcess` has it make a mount itself, in its place among the
   * others (proc: it shows the PID namespace of its mounter, and the init is PID 1 of the new one).
   */
  mount(kernel: Kernel, rootfs: string, byFirstProcess: (steps: readonly PreludeStep[]) => void): void;
  /** After pivot_root, paths as the container sees them: sysctls, masked and read-only paths, a read-only root. */
  afterPivot(kernel: Kernel): void;
  /**
   * A cgroup namespace of the container's own: the first process unshares it in a prelude, once it
   * has joined its groups (cgroupJoins: its root is theirs) and, with a user namespace, once in that
   * (which then owns it, as runc's), so that it exists when `create` returns.
   */
  cgroupNamespace?: boolean;
  /** The first process keeps a write end of its go pipe (GO_HELD_FD): the pipe outlives this process. */
  holdGo: boolean;
  /** This process's fds 3…3+N-1, which the program gets at the same numbers (`--preserve-fds N`). */
  preserveFds: number;
  /**
   * A user namespace of the container's: a holder process makes it and, inside it, the namespaces
   * of `unshare`, which this thread joins instead of unsharing them (namespace-holder.ts).
   */
  userns?: BundleUserNamespace | null;
  /**
   * Called with the first process's host pid as soon as it is ready (and waiting), in the window:
   * the caller records it before anything else, so that no crash can leave an init nobody can find.
   * Runs before pivot_root: host paths still resolve.
   */
  onReady?(pid: number): void;
}

export interface Launched {
  /** The process this one spawned: the first process itself, or (detached) the shim. */
  child: SpawnedProcess;
  /** Host PID of the container's first process. */
  pid: number;
  /** The pty master, when spec.tty. The caller owns it. */
  ptyMaster: number | null;
  /** The terminal inside the container (/dev/pts/N), when spec.tty. */
  ttyPath: string | null;
  /** spec.user as the container's own files define it. */
  user: ResolvedUser;
  /** Sends the launch message: the first process confines itself and execs the user's command. */
  go(message: Buffer): void;
  /** Closes the "go" pipe without sending: the first process exits 125 before any user code. */
  abandon(): void;
}

export interface LaunchDeps {
  kernel: Kernel;
  /** spawnLight (spawn-light.ts) or Node's spawn: the child is cloned by the calling (main) thread. */
  spawn: SpawnFunction;
  /** The sealed memfd holding mydocker-init (init-binary.ts), passed to the first process as fd 5. */
  initFd: number;
  /**
   * The host's device nodes, for --privileged (confine-mounts.ts hostDevices). Required, so that
   * no fake forgets it: with a fake kernel there is no pivot_root, and recreating these nodes
   * "inside the container" would replace the host's own.
   */
  hostDevices(): DeviceMapping[];
  /** Host namespaces to return to; opened before the window. */
  openHostNamespaces?(): HostNamespaces;
}

/** The host's namespaces and cwd, in the order to return to them (mount first: the reverse of joining). */
export type HostNamespaces = OwnNamespaces;

// Joined in this order (mount last); the way back is the reverse, pid included: it is reset with
// the rest, before any later spawn.
const NAMESPACES = CONTAINER_NAMESPACES;

const UNSHARE_FLAGS = NAMESPACES.reduce((flags, ns) => flags | ns.nstype, 0);
const UNSHARE_CGROUP: PreludeStep = { op: 'unshare', flags: CLONE.NEWCGROUP };

export function openHostNamespaces(): HostNamespaces {
  return openOwnNamespaces(NAMESPACES);
}

export function launch(spec: LaunchSpec, deps: LaunchDeps): Launched {
  const { kernel } = deps;
  const host = (deps.openHostNamespaces ?? openHostNamespaces)();
  let child: SpawnedProcess | undefined;
  let ptyMaster: number | null = null;
  let ptySlave: number | null = null;
  let inside = false;
  /** Detached: the thread joined the first process's namespaces (else it unshared new ones). */
  let joined: EnteredNamespaces | undefined;
  // Blocking pipes, not Node streams: the window must read "ready" synchronously. The child's ends
  // are closed here once it has them; ours when the launch fails or the caller says go/abandon.
  const childEnds = new Set<number>();
  let goRead = -1;
  let goWrite = -1;
  let readyRead = -1;
  let readyWrite = -1;
  const closeChildEnds = (): void => {
    for (const fd of childEnds) fs.closeSync(fd);
    childEnds.clear();
  };
  let firstPid: number | undefined;
  let holder: NamespaceHolder | undefined;
  const abort = (): void => {
    if (child?.pid !== undefined) child.kill('SIGKILL'); // harmless if it already exited
    if (firstPid !== undefined && firstPid !== child?.pid) killQuietly(firstPid);
    child = undefined;
    if (ptyMaster !== null) fs.closeSync(ptyMaster);
    if (goWrite >= 0) fs.closeSync(goWrite);
    ptyMaster = null;
    goWrite = -1;
  };
  /**
   * Spawns mydocker-init as the container's first process (PID 1 of a new PID namespace) and waits
   * for its "ready": pivot_root moves the root of every process whose root is the old one, so until
   * the init runs (its exec has read the whole binary) it must keep the host's root.
   */
  const spawnFirstProcess = (stdio0to2: readonly StdioTarget[]): void => {
    const bundle = spec.bundle;
    // Holding its go pipe, the init also gets our write end as GO_HELD_FD (6), then the
    // descriptors to preserve from PRESERVED_FDS_BASE (7) on, which it moves down to 3 before the exec.
    const preserved = bundle?.holdGo && bundle.preserveFds > 0 ? Array.from({ length: bundle.preserveFds }, (_, i) => 3 + i) : [];
    const stdio = [...stdio0to2, goRead, readyWrite, deps.initFd, ...(bundle?.holdGo ? [goWrite, ...preserved] : [])];
    const initArgs = [INIT_READY_FLAG, ...(bundle?.holdGo ? [INIT_GO_HELD_FLAG] : []), ...(preserved.length > 0 ? [`${INIT_PRESERVE_FLAG}${preserved.length}`] : [])];
    child = deps.spawn(INIT_PATH, initArgs, {
      argv0: INIT_ARGV0,
      stdio: stdio as SpawnLightOptions['stdio'],
      env: {}, // the init gets its environment and argv from the launch message: nothing of ours reaches it
      cwd: '/',
      detached: true, // its own session: a terminal of its own, signals only through us
    });
    if (child.pid === undefined) throw new MydockerError('could not start the container\'s first process');
    closeChildEnds();
    if (ptySlave !== null) {
      fs.closeSync(ptySlave);
      ptySlave = null;
    }
    firstPid = waitForReady(readyRead);
    bundle?.onReady?.(firstPid);
  };
  try {
    const [goReadEnd, goWriteEnd] = kernel.pipe();
    goRead = goReadEnd;
    childEnds.add(goRead);
    goWrite = goWriteEnd;
    const [readyReadEnd, readyWriteEnd] = kernel.pipe();
    readyWrite = readyWriteEnd;
    childEnds.add(readyWrite);
    readyRead = readyReadEnd;

    // The init gets its environment and argv from the launch message: nothing of ours reaches it.
    const env = {};
    // With --privileged the host's device nodes are copied in; read now, while /dev is the host's.
    const devices = [...(spec.privileged ? deps.hostDevices() : []), ...(spec.devices ?? [])];
    const bundle = spec.bundle;

    if (spec.detached) {
      // The shim, in the host's namespaces, makes the first process in new ones; we join them.
      const d = spec.detached;
      const shimFlags = [
        ...(spec.hostNetwork ? ['--host-network'] : []),
        ...(spec.tty ? ['--tty'] : []),
        ...(d.stdin ? ['--stdin'] : []),
        ...(d.socket !== undefined ? ['--socket', d.socket] : []),
      ];
      if (d.health) {
        const ms = (n: number): string => String(Math.max(1, Math.round(n)));
        const { intervalMs, limitMs, startIntervalMs, startPeriodMs } = d.health;
        shimFlags.push('--health', ms(intervalMs), ms(limitMs), ms(startIntervalMs), String(Math.max(0, Math.round(startPeriodMs))), String(d.health.argv.length), ...d.health.argv);
      }
      child = deps.spawn(d.shim, [...shimFlags, d.log, d.exitFile, ...d.cleanup, '--', INIT_PATH, INIT_READY_FLAG], {
        stdio: ['ignore', 'ignore', 'ignore', goRead, readyWrite, deps.initFd],
        env,
        cwd: '/',
        detached: true,
      });
      if (child.pid === undefined) throw new MydockerError(`could not start ${d.shim}`);
      closeChildEnds();
      firstPid = waitForReady(readyRead);
      // A join that fails half-way has returned from what it entered when it throws.
      try {
        joined = enterNamespaces(kernel, firstPid, NAMESPACES, { home: host });
      } catch (error) {
        throw error instanceof NamespaceReturnError ? strandedError(error) : error;
      }
      inside = true;
    } else if (bundle?.userns) {
      holder = holdNamespaces(deps, bundle.unshare & ~CLONE.NEWPID, bundle.userns);
      joinByPath(kernel, holder.joins, () => (inside = true));
      inside = true;
      // A PID namespace cannot be entered before it has a process (its PID 1 is ours to start):
      // this one is made here, owned by the host's user namespace (see namespace-holder.ts).
      if ((bundle.unshare & CLONE.NEWPID) !== 0) kernel.unshare(CLONE.NEWPID);
    } else if (bundle) {
      joinByPath(kernel, bundle.join, () => (inside = true));
      inside = true;
      kernel.unshare(bundle.unshare);
    } else {
      kernel.unshare(spec.hostNetwork ? UNSHARE_FLAGS & ~CLONE.NEWNET : UNSHARE_FLAGS);
      inside = true;
    }
    // A new network namespace has only lo, and down: up, so the container has at least loopback.
    if (bundle ? (bundle.unshare & CLONE.NEWNET) !== 0 : !spec.hostNetwork) kernel.interfaceUp('lo');
    kernel.mount(null, '/', null, MS.REC | (bundle?.slave ? MS.SLAVE : MS.PRIVATE), null);
    kernel.mount(spec.rootfs, spec.rootfs, null, MS.BIND | MS.REC, null);
    const hostname = bundle ? bundle.hostname : spec.hostname;
    if (hostname !== null) kernel.sethostname(hostname);
    const joins = (spec.cgroupJoins ?? []).map((file) => ({ op: 'join-cgroup', file }) as const);
    if (bundle) {
      // The first process before the mounts: the bundle's proc mounts are its own, and every mount
      // must appear in the config's order. It joins its cgroups first, while the host's are in reach.
      spawnFirstProcess(spec.stdio);
      const ownCgroupNs = bundle.cgroupNamespace && !bundle.userns ? [UNSHARE_CGROUP] : [];
      if (joins.length + ownCgroupNs.length > 0) prelude(goWrite, readyRead, [...joins, ...ownCgroupNs]);
      bundle.mount(kernel, spec.rootfs, (steps) => prelude(goWrite, readyRead, steps));
    } else {
      for (const dir of ['proc', 'dev', 'sys']) ensureDirectory(spec.rootfs, dir);
      populateDev(kernel, path.join(spec.rootfs, 'dev'), spec.shmSize);
      const sysReadOnly = spec.privileged ? 0 : MS.RDONLY;
      kernel.mount('sysfs', path.join(spec.rootfs, 'sys'), 'sysfs', sysReadOnly | MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
    }

    let ttyPath: string | null = null;
    if (spec.tty) {
      // The pty comes from the container's own devpts, so inside it is /dev/pts/N.
      ptyMaster = fs.openSync(path.join(spec.rootfs, 'dev/pts/ptmx'), fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      const n = kernel.unlockPty(ptyMaster);
      // Detached, the first process (the shim's child, started already) opens the slave itself; a
      // slave opened and closed here would read as the terminal's end to the shim holding the master.
      if (!spec.detached) {
        ptySlave = fs.openSync(path.join(spec.rootfs, 'dev/pts', String(n)), fs.constants.O_RDWR | fs.constants.O_NOCTTY);
        // Made by the host's root: the container's root, which opens it, must own it (its group is devpts's gid=).
        const owner = bundle?.userns?.rootUid;
        if (owner !== undefined && owner !== null) fs.fchownSync(ptySlave, owner, -1);
      }
      ttyPath = `/dev/pts/${n}`;
      if (bundle) {
        // An OCI container's terminal is also its /dev/console, as runc makes it (the spec asks for it).
        bindConsole(kernel, spec.rootfs, path.join(spec.rootfs, 'dev/pts', String(n)));
        // Spawned before its devpts existed, the first process takes the pty now, so that the
        // terminal has a process holding it from `create` on, as if it had been its stdio.
        prelude(goWrite, readyRead, [{ op: 'terminal', path: path.join(spec.rootfs, 'dev/pts', String(n)) }]);
        if (ptySlave !== null) fs.closeSync(ptySlave); // a bundle is never detached: it was opened above
        ptySlave = null;
      }
    }

    if (!spec.detached && !bundle) spawnFirstProcess(ptySlave !== null ? [ptySlave, ptySlave, ptySlave] : spec.stdio);
    if (!bundle) {
      // Its cgroups first (while the host's /sys/fs/cgroup is in reach), then what it mounts itself.
      prelude(goWrite, readyRead, [
        ...joins,
        { op: 'mount', source: 'proc', target: path.join(spec.rootfs, 'proc'), fstype: 'proc', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: null },
      ]);
    } else if (holder) {
      // Last: from there on it is the user namespace's root, without the host root's rights.
      prelude(goWrite, readyRead, [{ op: 'join-user', file: holder.userNamespace }, ...(bundle?.cgroupNamespace ? [UNSHARE_CGROUP] : [])]);
    }
    // The first process holds them all now.
    holder?.release();

    kernel.chdir(spec.rootfs);
    kernel.pivotRoot('.', '.');
    // The old root now sits on top of the new one; detach it, lazily, with everything below it.
    kernel.umount('.', MNT.DETACH);
    kernel.chdir('/');

    // From here paths resolve inside the container's root, so its symlinks cannot lead to the host.
    ensureWorkdir(spec.workdir);
    checkCommand(spec.command, spec.env);
    const user = resolveUser(spec.user ?? '', readContainerFile);
    if (bundle) {
      bundle.afterPivot(kernel);
    } else {
      confineMounts(kernel, {
        privileged: spec.privileged ?? false,
        readOnlyRootfs: spec.readOnlyRootfs ?? false,
        tmpfs: spec.tmpfs ?? [],
        devices,
      });
    }

    const goFd = goWrite;
    let open = true;
    const close = (): void => {
      if (open) fs.closeSync(goFd);
      open = false;
    };
    const launched: Launched = {
      child: child!,
      pid: firstPid!,
      ptyMaster,
      ttyPath,
      user,
      go: (message) => {
        try {
          if (open) writeAll(goFd, message);
        } catch (error) {
          // EPIPE: the first process is already dead (killed while it waited). Not a launch
          // failure: its end, and its exit status, are observed like any other.
          if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
        } finally {
          close();
        }
      },
      abandon: close,
    };
    returnIfInside();
    return launched;
  } catch (error) {
    abort();
    if (inside) returnIfInside(error);
    throw error;
  } finally {
    holder?.release();
    closeChildEnds();
    if (readyRead >= 0) fs.closeSync(readyRead);
    if (ptySlave !== null) fs.closeSync(ptySlave);
    closeOwnNamespaces(host);
  }

  /** Back to the host's namespaces; if that fails nothing of this launch may survive. */
  function returnIfInside(original?: unknown): void {
    if (!inside) return;
    inside = false;
    try {
      returnToHost(kernel, host, joined);
    } catch (error) {
      abort();
      if (original !== undefined) (error as Error).cause = original;
      throw error;
    }
  }
}

/** Binds the pty's slave onto <rootfs>/dev/console (an empty file made for it, if the /dev has none). */
function bindConsole(kernel: Kernel, rootfs: string, slave: string): void {
  const consolePath = path.join(rootfs, 'dev/console');
  try {
    fs.closeSync(fs.openSync(consolePath, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o600));
  } catch (error) {
    throw new MydockerError(`cannot make /dev/console in the container: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  kernel.mount(slave, consolePath, null, MS.BIND, null);
}

/** Reads "ready <host pid>\n" from the first process; returns the pid. */
function waitForReady(fd: number): number {
  const line = readLine(fd);
  if (line === null) throw new MydockerError('the container\'s first process died before it was ready');
  const match = new RegExp(`^${READY_MESSAGE} (\\d+)$`).exec(line);
  if (!match) throw new MydockerError('the container\'s first process sent an unexpected message');
  return Number(match[1]);
}

/**
 * Has the first process take its prelude: join its cgroups, then mount the container's /proc (proc
 * shows the PID namespace of the process that mounts it: the init is PID 1 of the new one). Waits
 * for its answer on READY_FD.
 */
function prelude(goFd: number, readyFd: number, steps: readonly PreludeStep[]): void {
  writeAll(goFd, encodePrelude(steps));
  const answer = readLine(readyFd);
  if (answer === PRELUDE_DONE) return;
  if (answer === null) throw new MydockerError('the container\'s first process died while joining its cgroups and mounting /proc');
  const what = answer.startsWith('mydocker: cannot join the cgroup')
    ? 'joining the container\'s cgroups'
    : /^mydocker: cannot (join the user namespace|become|clear)/.test(answer)
      ? 'entering the container\'s user namespace'
      : answer.startsWith('mydocker: cannot unshare')
        ? 'making the container\'s cgroup namespace'
        : 'mounting /proc in the container';
  throw new MydockerError(`${what} failed: ${answer.replace(/^mydocker: /, '')}`);
}

/**
 * setns() into each namespace named by path (a pod's, /proc/<pid>/ns/net), all opened first: once
 * in another mount namespace the paths may mean something else. `entered` is called before the
 * first setns, so that a failure half-way returns the thread home.
 */
function joinByPath(kernel: Kernel, join: BundleLaunch['join'], entered: () => void): void {
  const fds: Array<{ fd: number; nstype: number }> = [];
  try {
    for (const ns of join) {
      try {
        fds.push({ fd: fs.openSync(ns.path, 'r'), nstype: ns.nstype });
      } catch (error) {
        throw new MydockerError(`cannot open the namespace ${ns.path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
    }
    if (fds.length === 0) return;
    entered();
    if (fds.some((ns) => ns.nstype === CLONE.NEWNS)) kernel.unshare(CLONE.FS);
    for (const { fd, nstype } of fds) kernel.setns(fd, nstype);
  } finally {
    for (const { fd } of fds) fs.closeSync(fd);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/**
 * Back to every host namespace (in `host`'s order), then the saved cwd: from the joined ones, or
 * after unshare() from all of them.
 */
function returnToHost(kernel: Kernel, host: HostNamespaces, joined: EnteredNamespaces | undefined): void {
  try {
    if (joined) joined.leave();
    else returnToOwnNamespaces(kernel, host);
  } catch (error) {
    throw strandedError(error);
  }
}

/** The main thread is stranded in the container: no later step could be trusted. */
function strandedError(error: unknown): MydockerError {
  return new MydockerError(`could not return to the host's namespaces: ${(error as Error).message}`, {
    hint: 'this is a bug in mydocker; nothing else can safely run in this process',
  });
}

/** Creates a mount point inside the rootfs, refusing one that is a link or a file in the image. */
function ensureDirectory(rootfs: string, name: string): void {
  const target = path.join(rootfs, name);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(target);
  } catch {
    fs.mkdirSync(target, { mode: 0o755 });
    return;
  }
  if (!stat.isDirectory()) {
    throw new MydockerError(`the image's /${name} is not a directory`, { hint: 'the image is broken; rebuild it' });
  }
}

function ensureWorkdir(workdir: string): void {
  try {
    fs.mkdirSync(workdir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new MydockerError(`cannot create working directory ${workdir}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  if (!fs.statSync(workdir).isDirectory()) throw new MydockerError(`working directory ${workdir} is not a directory`);
}
