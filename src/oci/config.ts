// An OCI bundle's config.json (runtime-spec 1.0–1.2), read and checked whole before `create` makes
// anything: every field mydocker honours comes out typed, and every field it cannot honour is
// refused by name (a runtime that ignored `linux.uidMappings` would run as real root a container
// its user meant to be unprivileged). Pure: the bundle's directory only resolves `root.path`.
import * as path from 'node:path';
import { CAPABILITIES } from '../security/capabilities.js';
import { At, SpecError, boolean, integer, isObject, list, object, optionalInteger, optionalObject, optionalString, refuseSet, string, strings, type Json, type JsonObject } from './check.js';
import { parseMountOptions, type MountOptions } from './mount-options.js';

export const CONFIG_FILE = 'config.json';

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'cgroup' | 'user';

/** One line of a uid_map or gid_map: `size` ids from `containerID` inside are `hostID`… outside. */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciProcess {
  terminal: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; umask: number | null; additionalGids: number[] };
  /** Each set by name (CAP_...); a set absent from config.json is empty, as runc reads it. */
  capabilities: { bounding: string[]; effective: string[]; inheritable: string[]; permitted: string[]; ambient: string[] };
  rlimits: Array<{ type: string; soft: number; hard: number }>;
  noNewPrivileges: boolean;
  oomScoreAdj: number | null;
}

export interface OciMount {
  destination: string;
  type: string | null;
  source: string | null;
  options: MountOptions;
}

export interface OciHook {
  path: string;
  args: string[];
  env: string[];
  timeout: number | null;
}

export const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

export interface OciDevice {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major: number;
  minor: number;
  fileMode: number | null;
  uid: number | null;
  gid: number | null;
}

export interface OciDeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  major: number | null;
  minor: number | null;
  access: string;
}

export interface OciResources {
  memory: {
    limit: number | null;
    reservation: number | null;
    swap: number | null;
    kernel: number | null;
    kernelTCP: number | null;
    swappiness: number | null;
    disableOOMKiller: boolean | null;
  };
  cpu: {
    shares: number | null;
    quota: number | null;
    period: number | null;
    realtimeRuntime: number | null;
    realtimePeriod: number | null;
    cpus: string | null;
    mems: string | null;
  };
  pids: { limit: number | null };
  devices: OciDeviceRule[];
}

export interface OciConfig {
  ociVersion: string;
  /** Absolute host path of the root file system. */
  root: { path: string; readonly: boolean };
  /** Absent for a container that only holds namespaces (never started by `start`): refused, as runc. */
  process: OciProcess;
  hostname: string | null;
  mounts: OciMount[];
  hooks: Record<HookKind, OciHook[]>;
  annotations: Record<string, string>;
  linux: {
    /** Each namespace to create (no path) or join (path). */
    namespaces: Array<{ type: NamespaceType; path: string | null }>;
    /** The id mappings of a user namespace the container makes (empty without one). */
    uidMappings: IdMapping[];
    gidMappings: IdMapping[];
    cgroupsPath: string | null;
    resources: OciResources;
    devices: OciDevice[];
    sysctl: Record<string, string>;
    /** The seccomp section as given: it is Docker's profile format, checked when compiled. */
    seccomp: JsonObject | null;
    maskedPaths: string[];
    readonlyPaths: string[];
    rootfsPropagation: string | null;
  };
}

const SUPPORTED_VERSION = /^1\.[0-2]\.\d+(-.+)?$/;
const NAMESPACES: readonly string[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'cgroup', 'user'];
const RLIMIT = /^RLIMIT_(AS|CORE|CPU|DATA|FSIZE|LOCKS|MEMLOCK|MSGQUEUE|NICE|NOFILE|NPROC|RSS|RTPRIO|RTTIME|SIGPENDING|STACK)$/;
const PROPAGATIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'];

/** Reads config.json's text; `bundle` is the bundle's absolute directory. */
export function parseConfig(text: string, bundle: string): OciConfig {
  const file = path.join(bundle, CONFIG_FILE);
  const doc = parseJson(text, file);
  const at = new At(file, '');
  const top = object(doc, at);
  const ociVersion = string(top.ociVersion, at.child('ociVersion'));
  if (!SUPPORTED_VERSION.test(ociVersion)) at.child('ociVersion').fail(`is ${ociVersion}: mydocker reads runtime-spec 1.0 to 1.2`);
  for (const other of ['solaris', 'windows', 'vm', 'zos']) refuseSet(top[other], at.child(other), 'mydocker runs Linux containers');
  refuseSet(top.domainname, at.child('domainname'), 'no domain name is set in containers');

  const rootAt = at.child('root');
  const root = object(top.root, rootAt);
  const rootPath = string(root.path, rootAt.child('path'));
  const processDoc = top.process;
  if (!isObject(processDoc)) return at.child('process').fail('is missing: a container needs a process to start');
  return {
    ociVersion,
    root: { path: path.resolve(bundle, rootPath), readonly: boolean(root.readonly, rootAt.child('readonly'), false) },
    process: parseProcess(processDoc, at.child('process')),
    hostname: optionalString(top.hostname, at.child('hostname')) ?? null,
    mounts: list(top.mounts, at.child('mounts')).map((m, i) => parseMount(m, at.child('mounts').child(i))),
    hooks: parseHooks(top.hooks, at.child('hooks')),
    annotations: stringMap(top.annotations, at.child('annotations')),
    linux: parseLinux(optionalObject(top.linux, at.child('linux')) ?? {}, at.child('linux')),
  };
}

/** An OCI process document alone (`mydocker-runc exec --process FILE`): config.json's `process`. */
export function parseProcessFile(text: string, file: string): OciProcess {
  const doc = parseJson(text, file);
  return parseProcess(doc, new At(file, ''));
}

function parseProcess(value: Json, at: At): OciProcess {
  const p = object(value, at);
  refuseSet(p.apparmorProfile, at.child('apparmorProfile'), 'AppArmor is not applied');
  refuseSet(p.selinuxLabel, at.child('selinuxLabel'), 'SELinux is not applied');
  refuseSet(p.scheduler, at.child('scheduler'), 'no scheduling policy is set');
  refuseSet(p.ioPriority, at.child('ioPriority'), 'no I/O priority is set');
  refuseSet(p.execCPUAffinity, at.child('execCPUAffinity'), 'no CPU affinity is set');
  const args = strings(p.args, at.child('args'));
  if (args.length === 0) at.child('args').fail('must name the program to run');
  const cwd = string(p.cwd, at.child('cwd'));
  if (!cwd.startsWith('/')) at.child('cwd').fail(`must be an absolute path, not "${cwd}"`);
  const userAt = at.child('user');
  const user = object(p.user, userAt);
  refuseSet(user.username, userAt.child('username'), 'Windows only');
  const caps = optionalObject(p.capabilities, at.child('capabilities')) ?? {};
  const capSet = (name: string): string[] => {
    const names = strings(caps[name], at.child('capabilities').child(name));
    names.forEach((cap, i) => {
      if (!cap.startsWith('CAP_') || !(CAPABILITIES as readonly string[]).includes(cap.slice(4))) at.child('capabilities').child(name).child(i).fail(`is "${cap}", which is no capability this kernel has`);
    });
    return names;
  };
  return {
    terminal: boolean(p.terminal, at.child('terminal'), false),
    args,
    env: strings(p.env, at.child('env')),
    cwd,
    user: {
      uid: integer(user.uid, userAt.child('uid'), { min: 0, max: 0xfffffffe }),
      gid: integer(user.gid, userAt.child('gid'), { min: 0, max: 0xfffffffe }),
      umask: optionalInteger(user.umask, userAt.child('umask'), { min: 0, max: 0o777 }) ?? null,
      additionalGids: list(user.additionalGids, userAt.child('additionalGids')).map((g, i) => integer(g, userAt.child('additionalGids').child(i), { min: 0, max: 0xfffffffe })),
    },
    capabilities: { bounding: capSet('bounding'), effective: capSet('effective'), inheritable: capSet('inheritable'), permitted: capSet('permitted'), ambient: capSet('ambient') },
    rlimits: list(p.rlimits, at.child('rlimits')).map((r, i) => {
      const rAt = at.child('rlimits').child(i);
      const rlimit = object(r, rAt);
      const type = string(rlimit.type, rAt.child('type'));
      if (!RLIMIT.test(type)) rAt.child('type').fail(`is "${type}", which is no resource limit of Linux`);
      const soft = integer(rlimit.soft, rAt.child('soft'), { min: 0 });
      const hard = integer(rlimit.hard, rAt.child('hard'), { min: 0 });
      if (soft > hard) rAt.fail(`has a soft limit (${soft}) above its hard limit (${hard})`);
      return { type, soft, hard };
    }),
    noNewPrivileges: boolean(p.noNewPrivileges, at.child('noNewPrivileges'), false),
    oomScoreAdj: optionalInteger(p.oomScoreAdj, at.child('oomScoreAdj'), { min: -1000, max: 1000 }) ?? null,
  };
}

function parseMount(value: Json, at: At): OciMount {
  const m = object(value, at);
  const destination = string(m.destination, at.child('destination'));
  if (!destination.startsWith('/')) at.child('destination').fail(`must be an absolute path, not "${destination}"`);
  refuseSet(m.uidMappings, at.child('uidMappings'), 'no id-mapped mounts');
  refuseSet(m.gidMappings, at.child('gidMappings'), 'no id-mapped mounts');
  const options = strings(m.options, at.child('options'));
  // runc's own extensions, which a kernel would refuse as file system data with a bare EINVAL.
  options.forEach((option, i) => {
    if (option === 'tmpcopyup' || option.startsWith('x-') || option === 'idmap' || option === 'ridmap') {
      at.child('options').child(i).fail(`is "${option}", an option of runc's that mydocker does not implement`);
    }
  });
  return { destination, type: optionalString(m.type, at.child('type')) ?? null, source: optionalString(m.source, at.child('source')) ?? null, options: parseMountOptions(options) };
}

function parseHooks(value: Json | undefined, at: At): Record<HookKind, OciHook[]> {
  const hooks = optionalObject(value, at) ?? {};
  for (const key of Object.keys(hooks)) {
    if (!(HOOK_KINDS as readonly string[]).includes(key)) at.child(key).fail(`is no hook of the runtime-spec (${HOOK_KINDS.join(', ')})`);
  }
  const out = {} as Record<HookKind, OciHook[]>;
  for (const kind of HOOK_KINDS) {
    out[kind] = list(hooks[kind], at.child(kind)).map((h, i) => {
      const hAt = at.child(kind).child(i);
      const hook = object(h, hAt);
      const hookPath = string(hook.path, hAt.child('path'));
      if (!hookPath.startsWith('/')) hAt.child('path').fail(`must be an absolute path, not "${hookPath}"`);
      return { path: hookPath, args: strings(hook.args, hAt.child('args')), env: strings(hook.env, hAt.child('env')), timeout: optionalInteger(hook.timeout, hAt.child('timeout'), { min: 1 }) ?? null };
    });
  }
  return out;
}

function parseLinux(linux: JsonObject, at: At): OciConfig['linux'] {
  refuseSet(linux.intelRdt, at.child('intelRdt'), 'no Intel RDT');
  refuseSet(linux.personality, at.child('personality'), 'no execution domains');
  refuseSet(linux.timeOffsets, at.child('timeOffsets'), 'no time namespaces');
  refuseSet(linux.mountLabel, at.child('mountLabel'), 'SELinux is not applied');
  const seen = new Set<string>();
  const namespaces = list(linux.namespaces, at.child('namespaces')).map((n, i) => {
    const nAt = at.child('namespaces').child(i);
    const ns = object(n, nAt);
    const type = string(ns.type, nAt.child('type'));
    if (type === 'time') nAt.child('type').fail(`is "${type}": mydocker has no ${type} namespaces yet`);
    if (!NAMESPACES.includes(type)) nAt.child('type').fail(`is "${type}", which is no namespace type (${NAMESPACES.join(', ')})`);
    if (seen.has(type)) nAt.child('type').fail(`repeats the ${type} namespace`);
    seen.add(type);
    const nsPath = optionalString(ns.path, nAt.child('path')) ?? null;
    if (nsPath !== null && !nsPath.startsWith('/')) nAt.child('path').fail(`must be an absolute path, not "${nsPath}"`);
    return { type: type as NamespaceType, path: nsPath };
  });
  const uidMappings = idMappings(linux.uidMappings, at.child('uidMappings'));
  const gidMappings = idMappings(linux.gidMappings, at.child('gidMappings'));
  const user = namespaces.find((ns) => ns.type === 'user');
  // runc's rules: a user namespace of its own needs both maps (with none the container's root
  // would be nobody); mappings without one, or for a joined one, cannot be applied.
  if (user === undefined && (uidMappings.length > 0 || gidMappings.length > 0)) {
    at.child(uidMappings.length > 0 ? 'uidMappings' : 'gidMappings').fail('is set, but linux.namespaces has no user namespace to apply it to');
  }
  if (user !== undefined && user.path === null && (uidMappings.length === 0 || gidMappings.length === 0)) {
    at.child(uidMappings.length === 0 ? 'uidMappings' : 'gidMappings').fail('is missing: a new user namespace needs both uidMappings and gidMappings');
  }
  if (user !== undefined && user.path !== null && (uidMappings.length > 0 || gidMappings.length > 0)) {
    at.child(uidMappings.length > 0 ? 'uidMappings' : 'gidMappings').fail('is set, but the user namespace is joined by path: its mappings are already written');
  }
  const propagation = optionalString(linux.rootfsPropagation, at.child('rootfsPropagation')) ?? null;
  if (propagation !== null && !PROPAGATIONS.includes(propagation)) at.child('rootfsPropagation').fail(`is "${propagation}" (one of ${PROPAGATIONS.join(', ')})`);
  return {
    namespaces,
    uidMappings,
    gidMappings,
    cgroupsPath: optionalString(linux.cgroupsPath, at.child('cgroupsPath')) ?? null,
    resources: parseResources(optionalObject(linux.resources, at.child('resources')) ?? {}, at.child('resources')),
    devices: list(linux.devices, at.child('devices')).map((d, i) => parseDevice(d, at.child('devices').child(i))),
    sysctl: stringMap(linux.sysctl, at.child('sysctl')),
    seccomp: optionalObject(linux.seccomp, at.child('seccomp')) ?? null,
    maskedPaths: strings(linux.maskedPaths, at.child('maskedPaths')),
    readonlyPaths: strings(linux.readonlyPaths, at.child('readonlyPaths')),
    rootfsPropagation: propagation,
  };
}

/** A LinuxResources document alone (`mydocker-runc update --resources FILE`). */
export function parseResourcesFile(text: string, file: string): OciResources {
  const doc = parseJson(text, file);
  const at = new At(file, '');
  return parseResources(object(doc, at), at);
}

function parseResources(r: JsonObject, at: At): OciResources {
  for (const key of ['blockIO', 'hugepageLimits', 'network', 'rdma', 'unified']) refuseSet(r[key], at.child(key), 'mydocker does not set it');
  const memAt = at.child('memory');
  const memory = optionalObject(r.memory, memAt) ?? {};
  for (const key of ['useHierarchy', 'checkBeforeUpdate']) refuseSet(memory[key], memAt.child(key), 'mydocker does not set it');
  const cpuAt = at.child('cpu');
  const cpu = optionalObject(r.cpu, cpuAt) ?? {};
  for (const key of ['idle', 'burst']) refuseSet(cpu[key], cpuAt.child(key), 'mydocker does not set it');
  const pids = optionalObject(r.pids, at.child('pids')) ?? {};
  // -1 means "no limit" in memory.limit, memory.swap and pids.limit.
  const limit = (value: Json | undefined, fieldAt: At): number | null => optionalInteger(value, fieldAt, { min: -1 }) ?? null;
  return {
    memory: {
      limit: limit(memory.limit, memAt.child('limit')),
      reservation: limit(memory.reservation, memAt.child('reservation')),
      swap: limit(memory.swap, memAt.child('swap')),
      kernel: limit(memory.kernel, memAt.child('kernel')),
      kernelTCP: limit(memory.kernelTCP, memAt.child('kernelTCP')),
      swappiness: optionalInteger(memory.swappiness, memAt.child('swappiness'), { min: 0, max: 100 }) ?? null,
      disableOOMKiller: memory.disableOOMKiller === undefined || memory.disableOOMKiller === null ? null : boolean(memory.disableOOMKiller, memAt.child('disableOOMKiller'), false),
    },
    cpu: {
      shares: optionalInteger(cpu.shares, cpuAt.child('shares'), { min: 0 }) ?? null,
      quota: optionalInteger(cpu.quota, cpuAt.child('quota'), { min: -1 }) ?? null,
      period: optionalInteger(cpu.period, cpuAt.child('period'), { min: 0 }) ?? null,
      realtimeRuntime: optionalInteger(cpu.realtimeRuntime, cpuAt.child('realtimeRuntime'), { min: -1 }) ?? null,
      realtimePeriod: optionalInteger(cpu.realtimePeriod, cpuAt.child('realtimePeriod'), { min: 0 }) ?? null,
      cpus: optionalString(cpu.cpus, cpuAt.child('cpus')) || null,
      mems: optionalString(cpu.mems, cpuAt.child('mems')) || null,
    },
    pids: { limit: limit(pids.limit, at.child('pids').child('limit')) },
    devices: list(r.devices, at.child('devices')).map((d, i) => {
      const dAt = at.child('devices').child(i);
      const rule = object(d, dAt);
      const type = optionalString(rule.type, dAt.child('type')) ?? 'a';
      if (type !== 'a' && type !== 'c' && type !== 'b') return dAt.child('type').fail(`is "${type}" (a, c or b)`);
      const access = optionalString(rule.access, dAt.child('access')) ?? 'rwm';
      if (!/^[rwm]*$/.test(access)) dAt.child('access').fail(`is "${access}" (letters of rwm)`);
      return {
        allow: boolean(rule.allow, dAt.child('allow'), false),
        type,
        major: optionalInteger(rule.major, dAt.child('major'), { min: -1 }) ?? null,
        minor: optionalInteger(rule.minor, dAt.child('minor'), { min: -1 }) ?? null,
        access,
      };
    }),
  };
}

function parseDevice(value: Json, at: At): OciDevice {
  const d = object(value, at);
  const type = string(d.type, at.child('type'));
  if (type !== 'c' && type !== 'b' && type !== 'u' && type !== 'p') return at.child('type').fail(`is "${type}" (c, b, u or p)`);
  const devicePath = string(d.path, at.child('path'));
  if (!devicePath.startsWith('/dev/')) at.child('path').fail(`must be under /dev, not "${devicePath}"`);
  const needsNumbers = type !== 'p';
  return {
    type,
    path: devicePath,
    major: needsNumbers ? integer(d.major, at.child('major'), { min: 0 }) : (optionalInteger(d.major, at.child('major'), { min: 0 }) ?? 0),
    minor: needsNumbers ? integer(d.minor, at.child('minor'), { min: 0 }) : (optionalInteger(d.minor, at.child('minor'), { min: 0 }) ?? 0),
    fileMode: optionalInteger(d.fileMode, at.child('fileMode'), { min: 0, max: 0o7777 }) ?? null,
    uid: optionalInteger(d.uid, at.child('uid'), { min: 0 }) ?? null,
    gid: optionalInteger(d.gid, at.child('gid'), { min: 0 }) ?? null,
  };
}

/** A uid_map's or gid_map's lines; the kernel takes at most 340 and no two may overlap. */
function idMappings(value: Json | undefined, at: At): IdMapping[] {
  const MAX_ID = 0xffffffff;
  const maps = list(value, at).map((m, i) => {
    const mAt = at.child(i);
    const map = object(m, mAt);
    const size = integer(map.size, mAt.child('size'), { min: 1, max: MAX_ID });
    const containerID = integer(map.containerID, mAt.child('containerID'), { min: 0, max: MAX_ID - 1 });
    const hostID = integer(map.hostID, mAt.child('hostID'), { min: 0, max: MAX_ID - 1 });
    if (containerID + size > MAX_ID || hostID + size > MAX_ID) mAt.fail('runs past the last id (4294967294)');
    return { containerID, hostID, size };
  });
  if (maps.length > 340) at.fail(`has ${maps.length} lines: the kernel takes at most 340`);
  const overlaps = (a: number, b: number, key: 'containerID' | 'hostID'): boolean => maps[a]![key] < maps[b]![key] + maps[b]!.size && maps[b]![key] < maps[a]![key] + maps[a]!.size;
  for (let a = 0; a < maps.length; a++) {
    for (let b = a + 1; b < maps.length; b++) {
      if (overlaps(a, b, 'containerID') || overlaps(a, b, 'hostID')) at.child(b).fail(`overlaps line ${a}: the kernel refuses overlapping ranges`);
    }
  }
  return maps;
}

function stringMap(value: Json | undefined, at: At): Record<string, string> {
  const map = optionalObject(value, at) ?? {};
  return Object.fromEntries(Object.entries(map).map(([key, v]) => [key, string(v, at.child(key))]));
}

/** A JSON document's text, or one line naming the file that is not JSON. */
function parseJson(text: string, file: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new SpecError(file, `is not valid JSON (${(error as Error).message})`);
  }
}
