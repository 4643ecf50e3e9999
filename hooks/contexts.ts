// The contexts the lifecycle hooks' taps receive (which hook gets which: lifecycle.ts). Types only.
// Every context but checkOptions's carries the container, the tap's own saved state and the kernel.
import type { ContainerInfo, JsonValue, PluginState } from './container.js';
import type { Kernel } from './kernel.js';

/** What every context of a container's hook has. */
export interface HookContextBase {
  readonly container: ContainerInfo;
  /** This tap's saved state; mutate it, the core persists it after the hook. */
  readonly state: PluginState;
  /** The kernel interface (mount, setns, ...), the same object the core uses. */
  readonly kernel: Kernel;
}

/** checkOptions: before anything of a new container exists. */
export interface CheckOptionsContext {
  /** The options as the user gave them (`-m 100m` is options.memory === '100m'). */
  readonly options: Readonly<Record<string, JsonValue>>;
  readonly root: string;
}

/** prepareRootfs: the container's root directory exists, is not yet anyone's root. */
export interface RootfsContext extends HookContextBase {
  /** Host path of the container's root filesystem (for overlay: the merged directory). */
  readonly rootfs: string;
  /** Host paths of the image's read-only layers, top layer first. */
  readonly layers: readonly string[];
}

/** releaseRootfs: undo prepareRootfs. `remove` is true when the container itself is being removed. */
export interface RootfsReleaseContext extends HookContextBase {
  readonly rootfs: string;
  readonly remove: boolean;
  /** Removing, and the user asked for its anonymous volumes to go too (`rm -v`, `--rm`). */
  readonly removeVolumes: boolean;
  /** Teardown is best effort: report a failure here instead of throwing, the next tap still runs. */
  readonly errors: Error[];
}

/** createCgroups: the root filesystem is ready; the container's first process does not exist yet. */
export interface CgroupsContext extends HookContextBase {
  readonly rootfs: string;
  /**
   * Host paths of cgroup files (a v1 group's `tasks`, a v2 group's `cgroup.procs`) the first
   * process writes "0" into as its first act, in the host's mount namespace: it joins those groups
   * itself, before any user code. A failure to join fails the launch. The v1 `tasks` write moves
   * the one thread that writes, which spares the kernel's process-wide lock a move from outside
   * takes (milliseconds per controller).
   */
  readonly joinFiles: string[];
  /** As ProcessContext.saveState: save intent, call this, then make. */
  readonly saveState?: () => void;
}

/** applyCgroups and setupNetwork: the container's first process exists but has not started. */
export interface ProcessContext extends HookContextBase {
  /** Host PID of the container's first process (PID 1 inside). */
  readonly pid: number;
  readonly rootfs: string;
  /**
   * Steps the first process takes on itself once the setup hooks are done: inside all its
   * namespaces and its root, before any confinement (it still holds every capability), in the
   * order pushed. E.g. a cgroup namespace rooted at the group it was just moved into, and a
   * read-only view of that group at /sys/fs/cgroup.
   */
  readonly initSteps: InitStep[];
  /**
   * Writes the container's record now, with what the taps saved in `state` so far. Intent first:
   * save what you are about to make (paths, names), call this, then make it; a crash at any instant
   * then leaves a record from which the teardown finds and removes it.
   */
  readonly saveState?: () => void;
}

/** One step of ProcessContext.initSteps: unshare(2), mkdir(2) or mount(2), as the first process. */
export type InitStep =
  | { readonly op: 'unshare'; readonly flags: number }
  | { readonly op: 'mkdir'; readonly path: string; readonly mode: number }
  | { readonly op: 'mount'; readonly source: string | null; readonly target: string; readonly fstype: string | null; readonly flags: number; readonly data: string | null };

/** releaseCgroups and teardownNetwork. The first process may be gone, or may never have existed. */
export interface TeardownContext extends HookContextBase {
  readonly pid: number | null;
  readonly errors: Error[];
}

/**
 * updateResources: new limits for a running container (`mydocker update`). `container.options` are
 * its options with the update merged in, already accepted by checkOptions; `previous` are those it
 * ran with until now (what to put back if applying the new ones fails half-way).
 */
export interface UpdateContext extends HookContextBase {
  /** Host PID of the container's first process. */
  readonly pid: number;
  readonly previous: Readonly<Record<string, JsonValue>>;
}

/** enterNamespace: `exec` is about to start a process inside a running container. */
export interface EnterContext extends HookContextBase {
  readonly pid: number;
  /**
   * Register how to return the calling thread to where it was. The core spawns the exec'd process
   * right after the hook and then runs these, newest first, whatever happened.
   */
  onLeave(restore: () => void): void;
  /**
   * Register what to do with the exec'd process right after it is spawned, before the way back:
   * e.g. put it in the container's cgroup (the calling process itself must stay where it is).
   */
  onSpawn(action: (pid: number) => void): void;
}
