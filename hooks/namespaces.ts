// The one way to move Node's main thread into another process's namespaces and back.
//
// Namespaces, the root and the working directory belong to a *thread*; these calls move only the
// calling (main) thread, synchronously. Nothing asynchronous may run while it is inside: libuv's
// pool threads stay where they were. The rules this file keeps, so that no caller has to:
//   - every descriptor is opened first, this thread's own (to come back to) and the target's:
//     once in the target's mount namespace, /proc/<pid> of the host is out of reach;
//   - unshare(CLONE_FS) before a mount namespace: setns(mnt) refuses a thread that shares its
//     fs_struct with Node's other threads;
//   - the target's namespaces are joined in the order given (CONTAINER_NAMESPACES: mount last);
//   - the way back goes in the reverse order, then fchdir()s to the saved working directory after a
//     mount namespace (after setns(mnt) the thread's cwd is the namespace's root);
//   - a setns that fails half-way returns from only what was entered, and throws;
//   - every descriptor is closed, whatever happens.
// A way back that fails throws a NamespaceReturnError: the thread is stranded, and nothing else
// should run in the process.
import * as fs from 'node:fs';
import { CLONE, type Kernel } from './kernel.js';

/** A namespace as /proc/<pid>/ns/<file> names it, and its CLONE_NEW* type (see CONTAINER_NAMESPACES). */
export interface NamespaceFile {
  readonly file: string;
  readonly nstype: number;
}

/** An open namespace descriptor and its type. */
export interface NamespaceFd {
  readonly fd: number;
  readonly nstype: number;
}

/** The kernel calls entering and leaving take (a Kernel has them). */
export type NamespaceKernel = Pick<Kernel, 'setns' | 'unshare' | 'fchdir'>;

export interface NamespaceOptions {
  /** Where /proc is (tests pass a fake directory). Default "/proc". */
  readonly procRoot?: string;
  /**
   * This thread's own namespaces, opened beforehand by the caller (who keeps and closes them); by
   * default they are opened here, from <procRoot>/thread-self/ns, and closed by leave().
   */
  readonly home?: OwnNamespaces;
}

/** Where the calling thread is: descriptors of its namespaces, in the order to return to them, and of its cwd. */
export interface OwnNamespaces {
  readonly fds: ReadonlyArray<NamespaceFd>;
  readonly cwdFd: number;
}

/** The thread inside another process's namespaces. */
export interface EnteredNamespaces {
  /** The types entered, in the order they were joined. */
  readonly entered: readonly number[];
  /**
   * Returns the thread to its own namespaces, in reverse order, then to its cwd after a mount
   * namespace; closes the descriptors this helper opened. Only the first call does anything.
   * Throws a NamespaceReturnError when a setns or the fchdir fails (the thread is stranded).
   */
  leave(): void;
}

/** The way back failed: the calling thread is left (partly) inside other namespaces. */
export class NamespaceReturnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NamespaceReturnError';
  }
}

/**
 * Opens the calling thread's own namespaces of `namespaces` (in reverse: the order to return in)
 * and its working directory. The caller closes them with closeOwnNamespaces.
 */
export function openOwnNamespaces(namespaces: readonly NamespaceFile[], options: { procRoot?: string } = {}): OwnNamespaces {
  const procRoot = options.procRoot ?? '/proc';
  const fds: NamespaceFd[] = [];
  try {
    for (const ns of [...namespaces].reverse()) fds.push({ fd: fs.openSync(`${procRoot}/thread-self/ns/${ns.file}`, 'r'), nstype: ns.nstype });
    return { fds, cwdFd: fs.openSync('.', 'r') };
  } catch (error) {
    for (const { fd } of fds) fs.closeSync(fd);
    throw error;
  }
}

export function closeOwnNamespaces(own: OwnNamespaces): void {
  for (const { fd } of own.fds) fs.closeSync(fd);
  fs.closeSync(own.cwdFd);
}

/**
 * setns() back into each of `home`'s namespaces whose type is in `entered` (default: all of them),
 * in `home`'s order, then fchdir() to its cwd if a mount namespace was among them. Stops at the
 * first failure, with a NamespaceReturnError. For a thread that left with unshare() too.
 */
export function returnToOwnNamespaces(kernel: NamespaceKernel, home: OwnNamespaces, entered?: readonly number[]): void {
  const back = entered === undefined ? home.fds : home.fds.filter(({ nstype }) => entered.includes(nstype));
  try {
    for (const { fd, nstype } of back) kernel.setns(fd, nstype);
    if (back.some(({ nstype }) => nstype === CLONE.NEWNS)) kernel.fchdir(home.cwdFd);
  } catch (error) {
    throw new NamespaceReturnError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Moves the calling thread into the namespaces of process `pid`, in the order of `namespaces`
 * (its <procRoot>/<pid>/ns/<file> descriptors are opened first, and closed before this returns).
 */
export function enterNamespaces(kernel: NamespaceKernel, pid: number, namespaces: readonly NamespaceFile[], options: NamespaceOptions = {}): EnteredNamespaces {
  const procRoot = options.procRoot ?? '/proc';
  const own = options.home ?? openOwnNamespaces(namespaces, { procRoot });
  const targets: NamespaceFd[] = [];
  try {
    for (const ns of namespaces) targets.push({ fd: fs.openSync(`${procRoot}/${pid}/ns/${ns.file}`, 'r'), nstype: ns.nstype });
  } catch (error) {
    for (const { fd } of targets) fs.closeSync(fd);
    if (!options.home) closeOwnNamespaces(own);
    throw error;
  }
  try {
    return enterNamespaceFds(kernel, targets, { home: own, ownsHome: !options.home });
  } finally {
    for (const { fd } of targets) fs.closeSync(fd);
  }
}

/**
 * Moves the calling thread into the namespaces open at `targets`, in their order (the caller keeps
 * and closes these descriptors; they may be closed as soon as this returns).
 */
export function enterNamespaceFds(
  kernel: NamespaceKernel,
  targets: readonly NamespaceFd[],
  options: NamespaceOptions & { /** internal: leave() closes `home` */ ownsHome?: boolean } = {},
): EnteredNamespaces {
  const ownsHome = options.home === undefined || options.ownsHome === true;
  const home =
    options.home ??
    openOwnNamespaces(
      targets.map(({ nstype }) => ({ file: fileOf(nstype), nstype })),
      { procRoot: options.procRoot ?? '/proc' },
    );
  const entered: number[] = [];
  let left = false;
  const leave = (): void => {
    if (left) return;
    left = true;
    try {
      returnToOwnNamespaces(kernel, home, entered);
    } finally {
      if (ownsHome) closeOwnNamespaces(home);
    }
  };
  try {
    if (targets.some(({ nstype }) => nstype === CLONE.NEWNS)) kernel.unshare(CLONE.FS);
    for (const { fd, nstype } of targets) {
      kernel.setns(fd, nstype);
      entered.push(nstype);
    }
  } catch (error) {
    try {
      leave();
    } catch (returnError) {
      (returnError as Error).cause = error;
      throw returnError;
    }
    throw error;
  }
  return { entered, leave };
}

/**
 * Runs `fn` with the calling thread inside the namespaces of process `pid`, and returns. `fn` must
 * be synchronous (e.g. creating a socket, which stays bound to the namespace it was made in).
 * If the way back fails, that NamespaceReturnError is thrown (with `fn`'s own error as its cause).
 */
export function withNamespaces<T>(kernel: NamespaceKernel, pid: number, namespaces: readonly NamespaceFile[], fn: () => T, options: NamespaceOptions = {}): T {
  return runInside(enterNamespaces(kernel, pid, namespaces, options), fn);
}

/** withNamespaces for descriptors already open (see enterNamespaceFds). */
export function withNamespaceFds<T>(kernel: NamespaceKernel, targets: readonly NamespaceFd[], fn: () => T, options: NamespaceOptions = {}): T {
  return runInside(enterNamespaceFds(kernel, targets, options), fn);
}

function runInside<T>(inside: EnteredNamespaces, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (error) {
    try {
      inside.leave();
    } catch (returnError) {
      (returnError as Error).cause = error;
      throw returnError;
    }
    throw error;
  }
  inside.leave();
  if (result instanceof Promise) throw new TypeError('withNamespaces: fn must be synchronous (it returned a promise, which would run outside the namespaces)');
  return result;
}

const FILES: ReadonlyArray<readonly [number, string]> = [
  [CLONE.NEWNS, 'mnt'],
  [CLONE.NEWCGROUP, 'cgroup'],
  [CLONE.NEWUTS, 'uts'],
  [CLONE.NEWIPC, 'ipc'],
  [CLONE.NEWUSER, 'user'],
  [CLONE.NEWPID, 'pid'],
  [CLONE.NEWNET, 'net'],
];

/** The /proc/<pid>/ns file of a namespace type. */
function fileOf(nstype: number): string {
  const file = FILES.find(([type]) => type === nstype)?.[1];
  if (file === undefined) throw new TypeError(`not a namespace type: 0x${nstype.toString(16)}`);
  return file;
}
