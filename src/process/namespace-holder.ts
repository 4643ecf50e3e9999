// An OCI container's user namespace, and the namespaces it owns, made for the launch window
// (launch.ts). The runtime has threads, and the kernel lets no multithreaded process create or
// enter a user namespace; nor would namespaces the runtime unshared itself be owned by one. So a
// single-threaded process, mydocker-init started as a holder (--hold-namespaces), makes them all
// in one unshare() (the user namespace first, then the others owned by it) and says "ready"; this
// process, root on the host, writes its uid_map and gid_map, then the window joins the others by
// /proc/<holder>/ns/... and goes on as for any bundle, with the host's root privileges over them.
// The first process enters the user namespace last, in its prelude (join-user). Released (its pipe
// closed, and killed) once the first process holds them all.
// The PID namespace is the exception: the kernel lets nobody enter one before its PID 1 exists
// (/proc/<pid>/ns/pid_for_children is ENOENT until then), and the first process, which must be
// that PID 1, is started by the window; so the window makes it, and it is owned by the host's user
// namespace, unlike runc's. What that withholds from the container's root: mounting another proc
// of it, and reboot(2) ending it.
import * as fs from 'node:fs';
import { CLONE } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import { INIT_ARGV0, INIT_HOLD_FLAG, INIT_HOLD_USERNS_FLAG, INIT_PATH, READY_MESSAGE } from './first-process.js';
import { readLine } from './inside.js';
import type { LaunchDeps } from './launch.js';
import type { SpawnedProcess } from './spawn-light.js';

/** The user namespace of a bundle: made with these maps, or joined by `path` (maps then ""). */
export interface BundleUserNamespace {
  path: string | null;
  uidMap: string;
  gidMap: string;
  /** The host uid of the container's root (null: not known, or not mapped): its terminal's owner. */
  rootUid: number | null;
}

export interface NamespaceHolder {
  pid: number;
  /** The namespaces to join, in the window's order (the mount namespace last). */
  joins: Array<{ path: string; nstype: number }>;
  /** What the first process enters last. */
  userNamespace: string;
  /** Lets the holder go; idempotent. */
  release(): void;
}

/** /proc/<pid>/ns/<file> of each namespace the holder makes, in the order the window joins them. */
const HELD: ReadonlyArray<readonly [number, string]> = [
  [CLONE.NEWIPC, 'ipc'],
  [CLONE.NEWUTS, 'uts'],
  [CLONE.NEWNET, 'net'],
  [CLONE.NEWNS, 'mnt'],
];

/** `flags`: the CLONE_NEW* flags of the namespaces to make inside the user namespace (cgroup excluded). */
export function holdNamespaces(deps: Pick<LaunchDeps, 'kernel' | 'spawn' | 'initFd'>, flags: number, userns: BundleUserNamespace): NamespaceHolder {
  const [holdRead, holdWrite] = deps.kernel.pipe();
  const [readyRead, readyWrite] = deps.kernel.pipe();
  let child: SpawnedProcess | undefined;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    fs.closeSync(holdWrite);
    child?.kill('SIGKILL');
  };
  try {
    const made = userns.path === null ? flags | CLONE.NEWUSER : flags;
    const args = [`${INIT_HOLD_FLAG}${made >>> 0}`, ...(userns.path === null ? [] : [`${INIT_HOLD_USERNS_FLAG}${userns.path}`])];
    try {
      child = deps.spawn(INIT_PATH, args, { argv0: INIT_ARGV0, stdio: ['ignore', 'ignore', 'ignore', holdRead, readyWrite, deps.initFd], env: {}, cwd: '/', detached: true });
    } finally {
      fs.closeSync(holdRead);
      fs.closeSync(readyWrite);
    }
    const line = readLine(readyRead);
    const match = line === null ? null : new RegExp(`^${READY_MESSAGE} (\\d+)$`).exec(line);
    if (!match) {
      const why = line === null ? 'it died' : line.replace(/^mydocker: /, '');
      throw new MydockerError(`cannot make the container's user namespace: ${why}`);
    }
    const pid = Number(match[1]);
    if (userns.path === null) {
      writeMap(pid, 'uid_map', userns.uidMap);
      writeMap(pid, 'gid_map', userns.gidMap);
    }
    return {
      pid,
      joins: HELD.filter(([nstype]) => (flags & nstype) !== 0).map(([nstype, file]) => ({ path: `/proc/${pid}/ns/${file}`, nstype })),
      userNamespace: `/proc/${pid}/ns/user`,
      release,
    };
  } catch (error) {
    release();
    throw error;
  } finally {
    fs.closeSync(readyRead);
  }
}

/** One write(2), as the kernel requires of these files. */
function writeMap(pid: number, file: 'uid_map' | 'gid_map', text: string): void {
  try {
    fs.writeFileSync(`/proc/${pid}/${file}`, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new MydockerError(`cannot write the user namespace's ${file} (${text.trim().replace(/\n/g, '; ')}): ${code}`, {
      hint: code === 'EPERM' ? 'each host id range must exist and may be mapped once' : undefined,
    });
  }
}
