// The lifecycle hooks as ONE table: each hook's name, its tapable class, what a tap's throw does,
// and what it is for. Both the type plugins tap (LifecycleHooks) and the hook objects the core
// builds (src/runtime/plugin-host.ts) are derived from it: adding a hook is one entry here.
// Entries are in the order a `run` calls them; enterNamespace is exec's, updateResources update's.
import type { AsyncSeriesHook, SyncHook } from 'tapable';
import type { CgroupsContext, CheckOptionsContext, EnterContext, ProcessContext, RootfsContext, RootfsReleaseContext, TeardownContext, UpdateContext } from './contexts.js';

/**
 * How a hook runs its taps. 'sync': called synchronously, each tap must finish before it returns
 * (tapable's SyncHook: tap with `tap`). 'async-series': awaited, one tap after another
 * (AsyncSeriesHook: `tap`, `tapPromise` or `tapAsync`).
 */
export type HookKind = 'sync' | 'async-series';

/**
 * What a tap's throw does.
 * - 'check': refuses; nothing of the container exists yet, so nothing is undone. No saved state.
 * - 'setup': stops the hook, is reported naming the tap and the hook, and what was begun is undone.
 * - 'teardown': best effort: the throw is collected in `ctx.errors` and the next tap still runs.
 */
export type HookRole = 'check' | 'setup' | 'teardown';

/** One entry of the table. `Context` exists only in the type: what the hook's taps receive. */
export interface HookSpec<Kind extends HookKind = HookKind, Context = unknown> {
  readonly kind: Kind;
  readonly role: HookRole;
  /** One line: the process and the moment it runs in. */
  readonly doc: string;
  /** Never set: carries the context type from the entry to LifecycleHooks. */
  readonly context?: Context;
}

// One helper per kind, so that an entry names its context type once and its kind is fixed by the
// helper (TypeScript cannot infer some type arguments and take others explicitly).
function sync<Context>(role: HookRole, doc: string): HookSpec<'sync', Context> {
  return Object.freeze({ kind: 'sync', role, doc });
}
function series<Context>(role: HookRole, doc: string): HookSpec<'async-series', Context> {
  return Object.freeze({ kind: 'async-series', role, doc });
}

/** The lifecycle hooks. Each entry's comment is what an editor shows on `api.hooks.<name>`. */
export const HOOKS = Object.freeze({
  /**
   * Validates the options a plugin owns (limits, volumes, network) for a new container. Runs in the
   * `run` process before anything is created: throw to refuse (the run exits 125, nothing is left).
   * Synchronous and side-effect free.
   */
  checkOptions: sync<CheckOptionsContext>('check', 'the run process, before anything of the container exists'),
  /**
   * Makes the container's root filesystem complete. Runs in the `run` (or `start`) process on the
   * host side, before any namespace exists. The storage driver has already mounted `ctx.rootfs`.
   * May: mount into ctx.rootfs (volumes), write files into it. Must save: whatever releaseRootfs
   * needs to undo it (mount points made). Mounts here are copied into the container's mount
   * namespace when it is created; the host's copies are undone by releaseRootfs.
   */
  prepareRootfs: series<RootfsContext>('setup', 'the run process, host side, after the storage driver mounted the root, before any namespace'),
  /**
   * Makes the container's resource groups before its first process exists. Runs in the `run` (or
   * `start`) process on the host side, after prepareRootfs, before any namespace. May: create
   * cgroups, and push onto ctx.joinFiles the file of each that the first process joins by itself
   * (it writes "0" into them before it leaves the host's mount namespace: cheaper than being moved
   * from outside, and before any user code). Must save, before making anything: the cgroup paths.
   */
  createCgroups: series<CgroupsContext>('setup', 'the run process, host side, after prepareRootfs, before the first process exists'),
  /**
   * Puts the container in its resource limits. Runs in the `run` process after the first process
   * was born in its namespaces (and joined what createCgroups asked it to) and before it runs the
   * user's command, so limits hold from the command's first instruction. May: create cgroups, move
   * ctx.pid. Must save: the cgroup paths.
   */
  applyCgroups: series<ProcessContext>('setup', 'the run process, the first process born in its namespaces and waiting'),
  /**
   * Connects the container's network namespace (/proc/<pid>/ns/net). Runs in the `run` process
   * after applyCgroups, before the user's command starts. Until a network plugin taps it, the
   * container has loopback only. Must save: links, addresses and rules it made.
   */
  setupNetwork: series<ProcessContext>('setup', 'the run process, after applyCgroups, before the command starts'),
  /** Undoes createCgroups and applyCgroups, after the container's processes are gone. Runs first of the teardowns. */
  releaseCgroups: series<TeardownContext>('teardown', 'the process that saw the container end, or rm; first'),
  /**
   * Undoes prepareRootfs. Runs when the container ends (remove=false: unmount, keep its files) and
   * when it is removed (remove=true), in the process that saw it end or in `rm`, possibly after a
   * crash: it must tolerate a half-done or already-undone setup. The storage driver unmounts after.
   */
  releaseRootfs: series<RootfsReleaseContext>('teardown', 'the process that saw the container end, or rm; after releaseCgroups'),
  /** Undoes setupNetwork: links, addresses, firewall rules. Runs last of the teardowns. */
  teardownNetwork: series<TeardownContext>('teardown', 'the process that saw the container end, or rm; last'),
  /**
   * Joins the calling thread to a running container (for `exec`). Synchronous by necessity:
   * namespaces belong to a thread, so the tap calls setns() on the main thread and the core spawns
   * the process before anything else runs. Register the way back with ctx.onLeave.
   */
  enterNamespace: sync<EnterContext>('setup', 'the exec process, synchronously, on its main thread'),
  /**
   * Applies new limits to a running container (`mydocker update -m 200m NAME`). Runs in the update
   * process, under the container's lock, after checkOptions accepted the merged options. Throw to
   * refuse: the update fails naming the tap, and the record keeps the options it had, so a tap that
   * applied part of the change must put back `ctx.previous` before throwing. A stopped container
   * gets no call: its next start applies the options.
   */
  updateResources: series<UpdateContext>('setup', 'the update process, the container running'),
});

export type HookName = keyof typeof HOOKS;

/** The context the taps of hook `N` receive. */
export type ContextOf<N extends HookName> = (typeof HOOKS)[N] extends HookSpec<HookKind, infer Context> ? Context : never;

/** The tapable class of each kind. */
type TapableHook<Kind extends HookKind, Context> = { sync: SyncHook<[Context]>; 'async-series': AsyncSeriesHook<[Context]> }[Kind];

/** The hooks a plugin taps (`api.hooks`), each a tapable instance; see HOOKS for each one's contract. */
export type LifecycleHooks = { readonly [N in keyof typeof HOOKS]: TapableHook<(typeof HOOKS)[N]['kind'], ContextOf<N>> };

/** The hooks' names, in the table's order. */
export const HOOK_NAMES = Object.freeze(Object.keys(HOOKS)) as readonly HookName[];
