// From a checked config.json (config.ts) to what mydocker's launch takes: the namespaces to create
// and to join, the mounts in their order (proc among them: the first process mounts it, in its
// place, since proc shows its mounter's PID namespace), the root's propagation, the device nodes,
// the paths to mask, the launch message's process fields, and the options the cgroups plugin reads
// for this container. Pure: run by `create` before anything exists, so that whatever it refuses is
// refused with nothing made.
import { RLIMIT_NUMBERS } from '../process/rlimits.js';
import { CLONE, MS, type DeviceRule, type JsonValue } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import { capabilityMask } from '../security/capabilities.js';
import type { InitConfig } from '../process/first-process.js';
import type { NamespaceType, OciConfig, OciDevice, OciProcess, OciResources } from './config.js';
import { propagationFlags } from './mount-options.js';
import { formatIdMap, hostId, mountDataForHost, requireHostId } from './id-mapping.js';

export const NAMESPACE_FLAGS: Readonly<Record<NamespaceType, number>> = {
  pid: CLONE.NEWPID,
  network: CLONE.NEWNET,
  mount: CLONE.NEWNS,
  ipc: CLONE.NEWIPC,
  uts: CLONE.NEWUTS,
  cgroup: CLONE.NEWCGROUP,
  user: CLONE.NEWUSER,
};

/** The order to join namespaces by path: the mount namespace last (after it, host paths may mean other things). */
const JOIN_ORDER: readonly NamespaceType[] = ['ipc', 'uts', 'network', 'pid', 'cgroup', 'mount'];

export interface PlannedMount {
  destination: string;
  type: string | null;
  source: string | null;
  flags: number;
  data: string | null;
  propagation: number[];
  /** Bind mounts: onto a file when the source is one (decided in the window, from the source). */
  bind: boolean;
}

export interface DeviceNode {
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** A user namespace of the container's: made with its maps written, or joined by path. */
export interface PlannedUserNamespace {
  path: string | null;
  /** /proc/<pid>/uid_map and gid_map's text ("" when joined). */
  uidMap: string;
  gidMap: string;
  /** The host uid of the container's root, when the maps give one. */
  rootUid: number | null;
}

export interface LaunchPlan {
  /**
   * CLONE_NEW* flags the window unshares (cgroup excluded: the first process makes it, once in its
   * groups); with a user namespace, the flags made inside it instead (never NEWUSER itself).
   */
  unshare: number;
  userns: PlannedUserNamespace | null;
  join: Array<{ path: string; nstype: number }>;
  hostname: string | null;
  /** Every mount, in the config's order (those of type proc are made by the first process). */
  mounts: PlannedMount[];
  /**
   * rootfsPropagation: `slave` makes the container's mounts slaves of the host's (they receive its
   * mount events; else they are private); `after` is set on the root once it is "/" (shared: a peer
   * group of the container's own, never the host's; unbindable).
   */
  rootPropagation: { slave: boolean; after: number | null };
  devices: DeviceNode[];
  maskedPaths: string[];
  readonlyPaths: string[];
  readonlyRoot: boolean;
  sysctl: Record<string, string>;
  /** A cgroup namespace of its own, made by the first process after it joined its groups. */
  cgroupNamespace: boolean;
  /** The launch message, but for the steps the setup hooks add and the terminal's path. */
  process: Omit<InitConfig, 'steps' | 'tty'>;
  tty: boolean;
  oomScoreAdj: number | null;
  /** What the cgroups plugin reads of this container (see plugins/cgroups). */
  cgroupOptions: Record<string, JsonValue>;
}

/** The devices every container gets (runtime-spec "Default Devices"); /dev/ptmx is a link to pts/ptmx. */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

export function launchPlan(config: OciConfig): LaunchPlan {
  const listed = new Map(config.linux.namespaces.map((ns) => [ns.type, ns.path]));
  if (!listed.has('mount')) {
    throw new MydockerError('config.json: linux.namespaces has no mount namespace: mydocker-runc gives every container a root of its own', { hint: 'add {"type": "mount"} to linux.namespaces' });
  }
  let unshare = 0;
  const join: LaunchPlan['join'] = [];
  for (const type of JOIN_ORDER) {
    if (!listed.has(type)) continue;
    const nsPath = listed.get(type) ?? null;
    if (nsPath !== null) join.push({ path: nsPath, nstype: NAMESPACE_FLAGS[type] });
    else if (type !== 'cgroup') unshare |= NAMESPACE_FLAGS[type];
  }
  const user = config.linux.namespaces.find((ns) => ns.type === 'user');
  // The runtime cannot enter a user namespace (it has threads): a single-threaded process makes it
  // and the others inside it, which the runtime joins (launch.ts); joining others by path as well
  // would need them entered from inside it.
  if (user !== undefined && join.length > 0) {
    throw new MydockerError('config.json: a user namespace together with namespaces joined by path is not supported by mydocker', { hint: 'join them all by path, or make them all new' });
  }
  const maps = { uid: config.linux.uidMappings, gid: config.linux.gidMappings };
  if (listed.get('cgroup')) throw new MydockerError('config.json: joining a cgroup namespace by path is not supported by mydocker', { hint: 'list {"type": "cgroup"} without a path, or leave it out' });
  // runc's rule: a hostname needs a UTS namespace listed, made or joined (a pod's), or it would
  // rename the host. A joined one that is the host's own is refused by `create` (refuseHostUts).
  const hasUts = listed.has('uts');
  if (config.hostname !== null && config.hostname !== '' && !hasUts) {
    throw new MydockerError('config.json: hostname is set but the container has no UTS namespace (it would rename the host)', { hint: 'add {"type": "uts"} to linux.namespaces' });
  }
  // The hooks that run inside the container's namespaces are not run yet: refused, never skipped.
  for (const kind of ['createContainer', 'startContainer'] as const) {
    if (config.hooks[kind].length > 0) throw new MydockerError(`config.json: hooks.${kind} is not supported by mydocker-runc yet (only prestart, createRuntime, poststart and poststop are run)`, { hint: 'remove them from config.json, or use runc for this container' });
  }
  const propagation = config.linux.rootfsPropagation;

  for (const key of Object.keys(config.linux.sysctl)) checkSysctl(key, listed);

  const mounts: PlannedMount[] = [];
  for (const m of config.mounts) {
    const bind = m.type === 'bind' || (m.options.flags & MS.BIND) !== 0;
    if (!bind && m.type === null) throw new MydockerError(`config.json: the mount on ${m.destination} has no type`, { hint: 'give it a type ("tmpfs", "proc", "bind", ...)' });
    if (m.type === 'cgroup' || m.type === 'cgroup2') continue; // the cgroups plugin mounts the container's view (cgroupOptions.cgroupView)
    const data = user !== undefined && user.path === null && !bind ? mountDataForHost(m.type, m.options.data, maps, m.destination) : m.options.data;
    const planned: PlannedMount = { destination: m.destination, type: bind ? null : m.type, source: m.source, flags: m.options.flags, data, propagation: m.options.propagation, bind };
    if (bind && m.source === null) throw new MydockerError(`config.json: the bind mount on ${m.destination} has no source`);
    mounts.push(planned);
  }
  const cgroupView = config.mounts.some((m) => m.type === 'cgroup' || m.type === 'cgroup2');

  const byPath = new Map<string, DeviceNode>(DEFAULT_DEVICES.map((d) => [d.path, d]));
  for (const d of config.linux.devices) byPath.set(d.path, deviceNode(d));
  // The host's root makes them: owned by the host ids the container's ids map to.
  const devices = [...byPath.values()].map((d) => ({ ...d }));
  if (user !== undefined && user.path === null) {
    for (const d of devices) {
      d.uid = requireHostId(maps.uid, d.uid, `the owner of ${d.path}`);
      d.gid = requireHostId(maps.gid, d.gid, `the group of ${d.path}`);
    }
  }

  return {
    unshare,
    userns:
      user === undefined
        ? null
        : user.path === null
          ? { path: null, uidMap: formatIdMap(maps.uid), gidMap: formatIdMap(maps.gid), rootUid: hostId(maps.uid, 0) }
          : { path: user.path, uidMap: '', gidMap: '', rootUid: null },
    join,
    hostname: hasUts && config.hostname !== '' ? (config.hostname ?? null) : null,
    mounts,
    rootPropagation: {
      slave: propagation === 'slave' || propagation === 'rslave',
      after: propagation === null || /^r?(private|slave)$/.test(propagation) ? null : (propagationFlags(propagation) ?? null),
    },
    devices,
    maskedPaths: config.linux.maskedPaths,
    readonlyPaths: config.linux.readonlyPaths,
    readonlyRoot: config.root.readonly,
    sysctl: config.linux.sysctl,
    cgroupNamespace: listed.has('cgroup'),
    process: processInit(config.process),
    tty: config.process.terminal,
    oomScoreAdj: config.process.oomScoreAdj,
    cgroupOptions: cgroupOptions(config, cgroupView),
  };
}

/** An OCI process as mydocker-init's launch message has it (but the terminal's path and the setup steps). */
export function processInit(p: OciProcess): Omit<InitConfig, 'steps' | 'tty'> {
  const caps = p.capabilities;
  const mask = (names: readonly string[]): bigint => capabilityMask(names.map((n) => n.slice('CAP_'.length)));
  return {
    argv: p.args,
    env: p.env,
    cwd: p.cwd,
    user: { uid: p.user.uid, gid: p.user.gid, additionalGids: p.user.additionalGids },
    capabilities: { bounding: mask(caps.bounding), effective: mask(caps.effective), permitted: mask(caps.permitted), inheritable: mask(caps.inheritable), ambient: mask(caps.ambient) },
    noNewPrivileges: p.noNewPrivileges,
    umask: p.user.umask,
    rlimits: p.rlimits.map((r) => ({ resource: RLIMIT_NUMBERS[r.type.slice('RLIMIT_'.length).toLowerCase()]!, soft: r.soft, hard: r.hard })),
    newKeyring: true,
  };
}

/**
 * The cgroups plugin's options for an OCI container: its limits in mydocker's own option keys (the
 * ones `run -m ... --cpus ...` sets), plus `cgroupsPath` (where its groups are, instead of
 * <parent>/<id>), `deviceRules` (the config's list, instead of Docker's) and `cgroupView` (whether
 * it sees its groups at /sys/fs/cgroup: the config has a cgroup mount).
 */
export function cgroupOptions(config: OciConfig, cgroupView: boolean): Record<string, JsonValue> {
  const options: Record<string, JsonValue> = { cgroupView };
  const cgroupsPath = config.linux.cgroupsPath;
  if (cgroupsPath !== null && cgroupsPath !== '') {
    if (cgroupsPath.includes(':')) throw new MydockerError(`config.json: linux.cgroupsPath "${cgroupsPath}" is a systemd slice, and mydocker-runc drives cgroupfs only`, { hint: 'give a path such as /default/ID, without --systemd-cgroup' });
    if (cgroupsPath.split('/').includes('..')) throw new MydockerError(`config.json: linux.cgroupsPath "${cgroupsPath}" must not contain ".."`);
    options.cgroupsPath = cgroupsPath;
  }
  const limits = limitOptions(config.linux.resources);
  // As runc: the default devices stay usable whatever the config's rules (they come after them).
  if (limits.deviceRules !== undefined) limits.deviceRules = [...(limits.deviceRules as JsonValue[]), ...(DEFAULT_DEVICE_RULES as unknown as JsonValue[])];
  return { ...options, ...limits };
}

/**
 * runc's rules appended to every config's (libcontainer/specconv AllowedDevices): mknod of any
 * node, the default devices, the terminals (/dev/pts/*, /dev/ptmx). Without them a config that
 * denies everything, as runtime-tools' generator does, leaves even /dev/null unusable.
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  ...DEFAULT_DEVICES.map((d) => ({ allow: true, type: 'c' as const, major: d.major, minor: d.minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
];

/** linux.resources as the cgroups plugin's limit options (the keys `run -m --cpus ...` set) and device rules. */
export function limitOptions(r: OciResources): Record<string, JsonValue> {
  const options: Record<string, JsonValue> = {};
  if (r.memory.limit !== null && r.memory.limit > 0) options.memory = String(r.memory.limit);
  if (r.memory.swap !== null && r.memory.swap !== 0 && options.memory !== undefined) options.memorySwap = String(r.memory.swap);
  if (r.memory.reservation !== null && r.memory.reservation > 0) options.memoryReservation = String(r.memory.reservation);
  if (r.memory.kernel !== null && r.memory.kernel !== 0) options.kernelMemory = String(r.memory.kernel);
  if (r.memory.kernelTCP !== null && r.memory.kernelTCP !== 0) options.kernelMemoryTcp = String(r.memory.kernelTCP);
  if (r.memory.swappiness !== null) options.memorySwappiness = String(r.memory.swappiness);
  // false is every group's default: only true asks for something (and v2 cannot).
  if (r.memory.disableOOMKiller === true) options.oomKillDisable = 'true';
  // The period and quota as given, not as a CPU fraction: the group must show exactly these.
  if (r.cpu.period !== null && r.cpu.period > 0) options.cpuPeriod = String(r.cpu.period);
  if (r.cpu.quota !== null && r.cpu.quota !== 0) options.cpuQuota = String(r.cpu.quota);
  if (r.cpu.realtimePeriod !== null && r.cpu.realtimePeriod > 0) options.cpuRtPeriod = String(r.cpu.realtimePeriod);
  if (r.cpu.realtimeRuntime !== null && r.cpu.realtimeRuntime !== 0) options.cpuRtRuntime = String(r.cpu.realtimeRuntime);
  // runc writes any shares; mydocker's floor is Docker's (2), which is what CRI's sandboxes ask for.
  if (r.cpu.shares !== null && r.cpu.shares > 0) options.cpuShares = String(Math.max(2, r.cpu.shares));
  if (r.cpu.cpus !== null) options.cpusetCpus = r.cpu.cpus;
  if (r.cpu.mems !== null) options.cpusetMems = r.cpu.mems;
  if (r.pids.limit !== null && r.pids.limit !== 0) options.pidsLimit = String(r.pids.limit);
  if (r.devices.length > 0) options.deviceRules = r.devices.map((d) => deviceRule(d) as unknown as JsonValue);
  return options;
}

function deviceRule(d: { allow: boolean; type: 'a' | 'c' | 'b'; major: number | null; minor: number | null; access: string }): DeviceRule {
  // -1 is the spec's "any", as null is.
  return { allow: d.allow, type: d.type, major: d.major === null || d.major < 0 ? null : d.major, minor: d.minor === null || d.minor < 0 ? null : d.minor, access: d.access };
}

function deviceNode(d: OciDevice): DeviceNode {
  return { path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode ?? 0o666, uid: d.uid ?? 0, gid: d.gid ?? 0 };
}

/**
 * runc's rule: only the sysctls of a namespace the container has of its own, else the write would
 * change the host (IPC: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*; network: net.*).
 */
export function checkSysctl(key: string, listed: ReadonlyMap<NamespaceType, string | null>): void {
  const own = (type: NamespaceType): boolean => listed.has(type) && listed.get(type) === null;
  const ipc = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'].includes(key) || key.startsWith('fs.mqueue.');
  if (ipc && own('ipc')) return;
  if (key.startsWith('net.') && own('network')) return;
  const why = ipc ? 'the container has no IPC namespace of its own' : key.startsWith('net.') ? 'the container has no network namespace of its own' : 'it is not namespaced: it would change the host';
  throw new MydockerError(`config.json: linux.sysctl "${key}" cannot be set (${why})`);
}
