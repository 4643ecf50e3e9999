// The public contract between mydocker's core and its plugins (built-in and users'). Plugins import
// only from here, never from src/. Loaded in every process that runs hooks: `run` and `rm`.
//
// Every hook below is a tapable hook. A plugin taps it with its own name:
//   hooks.prepareRootfs.tapPromise('my-plugin', async (ctx) => { ... })
// The tap's name is what an error names, and it is the key of `ctx.state` (see PluginState).
import type { AsyncSeriesHook, SyncHook } from 'tapable';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What a plugin keeps in the container's state, under its tap name. The core writes it to disk after
 * every hook, so a teardown that runs later in another process (`mydocker rm`) reads what the setup
 * saved. Store plain JSON only: paths you mounted, names of links you created, ids you allocated.
 */
export type PluginState = Record<string, JsonValue>;

/** What every hook sees of the container. Read-only: change the container through your own state. */
export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: { readonly ref: string; readonly id: string };
  /** The command as given: argv, never joined into one string. */
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly workdir: string;
  readonly hostname: string;
  readonly tty: boolean;
  readonly storageDriver: string;
  /** Resource limits and volumes as the user asked for them (plugins validate their own keys). */
  readonly options: Readonly<Record<string, JsonValue>>;
  /** The container's own directory under the state root; a plugin may keep files there. */
  readonly stateDir: string;
  /** Its confinement as it was asked for (`--privileged`, `--device`, ...); see docs/security.md. */
  readonly security: SecuritySettings;
}

/**
 * One rule of a container's device access list, as the devices cgroup (v1) or a device program
 * (v2) enforces it: `type` 'a' is every device, `major`/`minor` null is any (`*`), `access` is a
 * subset of "rwm" (read, write, mknod).
 */
export interface DeviceRule {
  readonly allow: boolean;
  readonly type: 'a' | 'c' | 'b';
  readonly major: number | null;
  readonly minor: number | null;
  readonly access: string;
}

/** A host device given to the container with `--device HOST[:CONTAINER][:PERMISSIONS]`. */
export interface DeviceMapping {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly type: 'c' | 'b';
  readonly major: number;
  readonly minor: number;
  /** The node's mode bits on the host (what the container's node gets too). */
  readonly fileMode: number;
  readonly uid: number;
  readonly gid: number;
  /** A subset of "rwm". */
  readonly permissions: string;
}

/** A container's confinement settings, as recorded when it was created. */
export interface SecuritySettings {
  /** `--privileged`: every capability, no seccomp, no masked paths, every device. */
  readonly privileged: boolean;
  /** `--cap-add`, `--cap-drop`: names without the CAP_ prefix, upper case, or "ALL". */
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  /** `--security-opt` values as given (seccomp=..., no-new-privileges[=true|false]). */
  readonly securityOpt: readonly string[];
  /** `--read-only`: the root filesystem is mounted read-only. */
  readonly readOnlyRootfs: boolean;
  /** `--tmpfs PATH[:OPTIONS]` as given. */
  readonly tmpfs: readonly string[];
  /** `-u/--user` as given (or the image's User), "" for the image's default (root). */
  readonly user: string;
  /** `--device` mappings, resolved against the host when the container was created. */
  readonly devices: readonly DeviceMapping[];
}

interface HookContextBase {
  readonly container: ContainerInfo;
  /** This tap's saved state; mutate it, the core persists it after the hook. */
  readonly state: PluginState;
  /** The kernel interface (mount, setns, ...), the same object the core uses. */
  readonly kernel: Kernel;
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

/** checkOptions: before anything of a new container exists. */
export interface CheckOptionsContext {
  /** The options as the user gave them (`-m 100m` is options.memory === '100m'). */
  readonly options: Readonly<Record<string, JsonValue>>;
  readonly root: string;
}

export interface LifecycleHooks {
  /**
   * Validates the options a plugin owns (limits, volumes, network) for a new container. Runs in the
   * `run` process before anything is created: throw to refuse (the run exits 125, nothing is left).
   * Synchronous and side-effect free.
   */
  readonly checkOptions: SyncHook<[CheckOptionsContext]>;
  /**
   * Makes the container's root filesystem complete. Runs in the `run` (or `start`) process on the
   * host side, before any namespace exists. The storage driver has already mounted `ctx.rootfs`.
   * May: mount into ctx.rootfs (volumes), write files into it. Must save: whatever releaseRootfs
   * needs to undo it (mount points made). Mounts here are copied into the container's mount
   * namespace when it is created; the host's copies are undone by releaseRootfs.
   */
  readonly prepareRootfs: AsyncSeriesHook<[RootfsContext]>;
  /**
   * Undoes prepareRootfs. Runs when the container ends (remove=false: unmount, keep its files) and
   * when it is removed (remove=true), in the process that saw it end or in `rm`, possibly after a
   * crash: it must tolerate a half-done or already-undone setup.
   */
  readonly releaseRootfs: AsyncSeriesHook<[RootfsReleaseContext]>;
  /**
   * Puts the container in its resource limits. Runs in the `run` process after the first process
   * was born in its namespaces and before it runs the user's command, so limits hold from the
   * command's first instruction. May: create cgroups, move ctx.pid. Must save: the cgroup paths.
   */
  readonly applyCgroups: AsyncSeriesHook<[ProcessContext]>;
  /** Undoes applyCgroups, after the container's processes are gone. */
  readonly releaseCgroups: AsyncSeriesHook<[TeardownContext]>;
  /**
   * Connects the container's network namespace (/proc/<pid>/ns/net). Runs in the `run` process
   * after applyCgroups, before the user's command starts. Until a network plugin taps it, the
   * container has loopback only. Must save: links, addresses and rules it made.
   */
  readonly setupNetwork: AsyncSeriesHook<[ProcessContext]>;
  /** Undoes setupNetwork: links, addresses, firewall rules. */
  readonly teardownNetwork: AsyncSeriesHook<[TeardownContext]>;
  /**
   * Joins the calling thread to a running container (for `exec`). Synchronous by necessity:
   * namespaces belong to a thread, so the tap calls setns() on the main thread and the core spawns
   * the process before anything else runs. Register the way back with ctx.onLeave.
   */
  readonly enterNamespace: SyncHook<[EnterContext]>;
}

export const HOOK_NAMES = [
  'checkOptions',
  'prepareRootfs',
  'releaseRootfs',
  'applyCgroups',
  'releaseCgroups',
  'setupNetwork',
  'teardownNetwork',
  'enterNamespace',
] as const satisfies readonly (keyof LifecycleHooks)[];

/** The contexts a storage driver's methods receive. */
export interface StorageContext {
  readonly container: ContainerInfo;
  readonly state: PluginState;
  readonly kernel: Kernel;
  /** Host paths of the image's read-only layers, top layer first. */
  readonly layers: readonly string[];
  /** A directory the driver owns for this container (under the state root). */
  readonly dir: string;
}

/**
 * A storage driver gives a container its copy-on-write root. Chosen per run with
 * `--storage-driver NAME`; registered by a plugin with `api.registerStorageDriver`.
 */
export interface StorageDriver {
  readonly name: string;
  /** Why this driver cannot work on this host (e.g. the kernel lacks the filesystem), or null. */
  unsupportedReason(): string | null;
  /** Mount the container's root and return its host path. Called on every start. */
  mount(ctx: StorageContext): Promise<string>;
  /** Unmount it, keeping the container's files. Idempotent. */
  unmount(ctx: StorageContext): Promise<void>;
  /** Delete the container's own layer. Called after unmount when the container is removed. */
  remove(ctx: StorageContext): Promise<void>;
  /**
   * Where the container's own changes are (for `commit`), and how deletions are written there:
   * overlayfs's way (character devices 0/0, opaque xattrs) or aufs's (`.wh.` files).
   */
  changes(ctx: StorageContext): { dir: string; whiteouts: 'overlay' | 'aufs' };
}

/**
 * A network as the state root keeps it (`<root>/networks/<id>.json`). Created by `network create`
 * (or, for the default network "bridge", on first use), served by the driver it names.
 */
export interface NetworkInfo {
  readonly id: string;
  readonly name: string;
  /** The network driver's name ("bridge", or a plugin's). */
  readonly driver: string;
  /** IPv4 subnet in CIDR form, e.g. "172.18.0.0/16". */
  readonly subnet: string;
  /** The gateway address inside the subnet (the bridge's own address for "bridge"). */
  readonly gateway: string;
  readonly created: string;
  /** The default network a container joins without --net. */
  readonly isDefault: boolean;
  /** `network create -o KEY=VALUE` options, for the driver to interpret. */
  readonly options: Readonly<Record<string, string>>;
}

/** A published port: `-p [hostIp:]hostPort:containerPort[/protocol]`. */
export interface PortMapping {
  /** The host address to publish on; '0.0.0.0' (all of them) when the spec names none. */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

interface NetworkContextBase {
  readonly network: NetworkInfo;
  /** The driver's own state for this network (a bridge name, ...): createNetwork fills it, the core saves it with the network. */
  readonly state: PluginState;
  readonly kernel: Kernel;
}

/** createNetwork and deleteNetwork. */
export type NetworkContext = NetworkContextBase;

/** allocateAddress and releaseAddress. The owner is the container's ID. */
export interface AddressContext {
  readonly network: NetworkInfo;
  readonly owner: string;
}

/** join: the container's first process exists in its own network namespace; its command has not started. */
export interface JoinContext extends NetworkContextBase {
  readonly container: ContainerInfo;
  /** Host PID of the container's first process: its namespace is /proc/<pid>/ns/net. */
  readonly pid: number;
  /** The address allocateAddress returned for this container. */
  readonly address: string;
  readonly ports: readonly PortMapping[];
  /** This container's state for this driver (what leave needs); saved with the container. */
  readonly endpoint: PluginState;
}

/**
 * leave: the container has ended or is being removed. Must work after a crash half-way through
 * join, from names derived from the container ID rather than from `endpoint` alone, and must
 * tolerate what is already gone (the kernel deletes a veth whose namespace died).
 */
export interface LeaveContext extends NetworkContextBase {
  readonly container: ContainerInfo;
  readonly endpoint: PluginState;
  readonly errors: Error[];
}

/**
 * A network driver connects containers of the networks created with `--driver NAME`. Registered by
 * a plugin with `api.registerNetworkDriver`; the built-in "bridge" driver is one. Every method may
 * throw: the core reports it as this driver's failure and unwinds what was done.
 */
export interface NetworkDriver {
  readonly name: string;
  /** Make what the network needs on the host (a bridge, firewall rules). Idempotent: it also re-creates them after a reboot. */
  createNetwork(ctx: NetworkContext): Promise<void>;
  /** Remove all of it. No container is attached any more. Best effort, idempotent. */
  deleteNetwork(ctx: NetworkContext): Promise<void>;
  /** An address for `owner` in the network's subnet: `requested` (from --ip) or any free one. */
  allocateAddress(ctx: AddressContext, requested: string | null): Promise<string>;
  /** Frees every address `owner` holds in the network. Idempotent. */
  releaseAddress(ctx: AddressContext): Promise<void>;
  /** Connects the container (links, addresses, routes, published ports). */
  join(ctx: JoinContext): Promise<void>;
  /** Undoes join. */
  leave(ctx: LeaveContext): Promise<void>;
}

/**
 * The state root's bitmap IPAM, for drivers to allocate from: one bit per address of the subnet, the
 * network, gateway and broadcast addresses reserved, persisted under the state root and safe under
 * concurrent processes (a file lock around each call).
 */
export interface Ipam {
  /** An address for `owner`: `requested` if free (refused otherwise), else the lowest free one. */
  allocate(network: NetworkInfo, owner: string, requested: string | null): Promise<string>;
  /** Frees every address `owner` holds. Idempotent. */
  release(network: NetworkInfo, owner: string): Promise<void>;
  /** The addresses in use, with their owners. */
  allocated(network: NetworkInfo): Promise<Array<{ address: string; owner: string }>>;
}

/** What a plugin's `apply` receives. */
export interface PluginApi {
  readonly hooks: LifecycleHooks;
  registerStorageDriver(driver: StorageDriver): void;
  registerNetworkDriver(driver: NetworkDriver): void;
  /** The state root's networks, their drivers and address management (what network plugins need). */
  readonly networks: Networks;
  /** The state root this runtime works in (images, containers). */
  readonly root: string;
}

/** The networks of a state root, as plugins see them. */
export interface Networks {
  /** By name, ID or unique ID prefix; null when none. */
  find(ref: string): NetworkInfo | null;
  /** The default network ("bridge"), created (record and driver's createNetwork) on first use. */
  ensureDefault(): Promise<NetworkInfo>;
  /** A registered network driver; throws naming the available ones when there is none of that name. */
  driver(name: string): NetworkDriver;
  /** The driver's saved state of a network (what its createNetwork stored). */
  driverState(network: NetworkInfo): PluginState;
  /** The bitmap IPAM, for drivers that do not bring their own. */
  readonly ipam: Ipam;
}

export interface Plugin {
  /** Shown in errors; built-ins are prefixed `mydocker:`. */
  readonly name: string;
  apply(api: PluginApi): void | Promise<void>;
}

/** Identity helper that gives a plugin object its types. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/** Kernel calls as a plugin may need them. Failures throw a KernelError naming call, path and errno. */
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
