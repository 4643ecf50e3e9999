// cgroup v1 (and the v1 half of a hybrid host): one hierarchy per controller, a group per
// container in each, below a parent of mydocker's own: <mount>/<parent>/<container id>. Device
// access is the devices controller's: deny all, then one devices.allow line per allowed device.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceRule } from '../../hooks/index.js';
import { CLONE, MS, type InitStep } from '../../hooks/index.js';
import type { ContainerStats } from '../../hooks/stats.js';
import type { CgroupDriver, CgroupEvents, CgroupPaths } from './driver.js';
import { CGROUP_VIEW, VIEW_FLAGS } from './layout.js';
import { exists, isMember, levelsBelow, makeGroup, missingLevels, readControl, readKeyed, removeEmptyLevels, removeGroup, writeControl } from './cgroupfs.js';
import { CPU_PERIOD_US, type Limits } from './limits.js';
import { formatV1Rule } from './device-rules.js';

/**
 * The controllers a container gets a group in (those the host has): the ones its limits use first,
 * then every other one, as runc does, so that `/proc/<pid>/cgroup` names the container's group in
 * each hierarchy (containerd's shim reads its metrics there: blkio, hugetlb...) and a `pause`
 * finds its freezer group.
 */
const USED = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices', 'blkio', 'freezer', 'net_cls', 'net_prio', 'perf_event', 'hugetlb', 'rdma', 'misc'] as const;

export class CgroupV1 implements CgroupDriver {
  constructor(private readonly controllers: Readonly<Record<string, string>>) {}

  paths(parent: string, id: string): CgroupPaths {
    const paths: CgroupPaths = {};
    // Co-mounted controllers (cpu,cpuacct) share one directory: keep the first name for it.
    const seen = new Set<string>();
    for (const controller of USED) {
      const mount = this.controllers[controller];
      if (mount === undefined || seen.has(mount)) continue;
      seen.add(mount);
      paths[controller] = path.join(mount, parent, id);
    }
    return paths;
  }

  missingLevels(paths: CgroupPaths): string[] {
    return Object.entries(paths).flatMap(([controller, dir]) => missingLevels(this.controllers[controller], dir));
  }

  create(paths: CgroupPaths, limits: Limits, devices: readonly DeviceRule[] = [], events: CgroupEvents = {}): void {
    for (const [controller, dir] of Object.entries(paths)) {
      // Level by level from the hierarchy's root: a new cpuset group has no CPUs and no memory
      // nodes, and nothing can join it until both are copied down from its parent, at every level
      // (a relative cgroupsPath such as a/b/c makes several at once).
      const levels = levelsBelow(this.controllers[controller], dir);
      for (const level of levels.slice(0, -1)) {
        if (makeGroup(level)) events.levelMade?.(level);
        if (this.isCpuset(controller)) inheritCpuset(level);
      }
      fs.mkdirSync(dir, { recursive: true });
      events.groupMade?.();
      if (this.isCpuset(controller)) inheritCpuset(dir);
    }
    this.update(paths, limits);
    // Written before any process joins. A new group inherits its parent's list (mydocker's
    // parent: everything), so the rules start with "a" to devices.deny; a host without the devices
    // hierarchy has no way to confine devices on v1 and gets none.
    const devicesDir = this.dirOf(paths, 'devices');
    if (devicesDir !== undefined) {
      for (const rule of devices) writeControl(devicesDir, rule.allow ? 'devices.allow' : 'devices.deny', formatV1Rule(rule));
    }
  }

  /**
   * In a cgroup namespace rooted at the container's groups, a fresh mount of each of its v1
   * hierarchies shows just its own group; they go on a tmpfs at /sys/fs/cgroup (sysfs has no
   * directories for them), which is then made read-only too.
   */
  views(paths: CgroupPaths, writable: boolean): InitStep[] {
    const ro = writable ? 0 : MS.RDONLY;
    const steps: InitStep[] = [
      { op: 'unshare', flags: CLONE.NEWCGROUP },
      { op: 'mount', source: 'tmpfs', target: CGROUP_VIEW, fstype: 'tmpfs', flags: VIEW_FLAGS, data: 'mode=755,size=64k' },
    ];
    for (const controller of Object.keys(paths)) {
      const mount = this.controllers[controller];
      if (mount === undefined) continue;
      // Co-mounted controllers (cpu,cpuacct) are one hierarchy: it is mounted with all of them.
      const together = Object.keys(this.controllers).filter((c) => this.controllers[c] === mount).sort();
      const target = `${CGROUP_VIEW}/${path.basename(mount)}`;
      steps.push({ op: 'mkdir', path: target, mode: 0o755 });
      steps.push({ op: 'mount', source: 'cgroup', target, fstype: 'cgroup', flags: VIEW_FLAGS | ro, data: together.join(',') });
    }
    steps.push({ op: 'mount', source: null, target: CGROUP_VIEW, fstype: null, flags: MS.REMOUNT | VIEW_FLAGS | ro, data: 'mode=755,size=64k' });
    return steps;
  }

  update(paths: CgroupPaths, limits: Limits): void {
    for (const [controller, dir] of Object.entries(paths)) {
      if (!this.isCpuset(controller)) continue;
      if (limits.cpusetCpus !== undefined) writeControl(dir, 'cpuset.cpus', limits.cpusetCpus);
      if (limits.cpusetMems !== undefined) writeControl(dir, 'cpuset.mems', limits.cpusetMems);
    }
    const memory = paths.memory;
    if (memory !== undefined) writeMemory(memory, limits);
    const cpu = paths.cpu;
    if (cpu !== undefined) writeCpu(cpu, limits);
    if (paths.pids !== undefined && limits.pidsLimit !== undefined) {
      writeControl(paths.pids, 'pids.max', limits.pidsLimit === -1 ? 'max' : limits.pidsLimit);
    }
  }

  addProcess(paths: CgroupPaths, pid: number, options: { unlessMember?: boolean } = {}): void {
    for (const dir of Object.values(paths)) {
      if (options.unlessMember && isMember(dir, pid)) continue;
      writeControl(dir, 'cgroup.procs', pid);
    }
  }

  joinFiles(paths: CgroupPaths): string[] {
    return Object.values(paths).map((dir) => path.join(dir, 'tasks'));
  }

  procsFiles(paths: CgroupPaths): string[] {
    return Object.values(paths).map((dir) => path.join(dir, 'cgroup.procs'));
  }

  remove(paths: CgroupPaths, levels: readonly string[] = []): void {
    for (const dir of Object.values(paths)) removeGroup(dir);
    removeEmptyLevels(levels);
  }

  oomKilled(paths: CgroupPaths): boolean {
    return paths.memory !== undefined && (readKeyed(paths.memory, 'memory.oom_control').get('oom_kill') ?? 0) > 0;
  }

  stats(paths: CgroupPaths): ContainerStats {
    // cpuacct is often co-mounted with cpu (cpu,cpuacct): then it shares the cpu directory.
    const acct = paths.cpuacct ?? (this.controllers.cpuacct === this.controllers.cpu ? paths.cpu : undefined);
    const limit = paths.memory === undefined ? null : Number(readControl(paths.memory, 'memory.limit_in_bytes'));
    return {
      cpuNanos: acct === undefined ? 0 : Number(readControl(acct, 'cpuacct.usage') ?? 0),
      memoryBytes: paths.memory === undefined ? 0 : Number(readControl(paths.memory, 'memory.usage_in_bytes') ?? 0),
      // v1 says "unlimited" with a huge page-aligned number.
      memoryLimit: limit === null || !Number.isFinite(limit) || limit >= 2 ** 62 ? null : limit,
      pids: paths.pids === undefined ? 0 : Number(readControl(paths.pids, 'pids.current') ?? 0),
    };
  }

  /** The container's directory in a controller's hierarchy, co-mounted or not. */
  private dirOf(paths: CgroupPaths, controller: string): string | undefined {
    const mount = this.controllers[controller];
    if (mount === undefined) return undefined;
    return Object.entries(paths).find(([name]) => this.controllers[name] === mount)?.[1];
  }

  /** cpuset's own hierarchy, or one it is co-mounted in. */
  private isCpuset(controller: string): boolean {
    return this.controllers.cpuset !== undefined && this.controllers[controller] === this.controllers.cpuset;
  }
}

function writeMemory(dir: string, limits: Limits): void {
  if (limits.memory !== undefined) {
    // Docker's default swap allowance equals the memory limit (memory + swap = 2 x memory).
    const memsw = limits.memorySwap ?? limits.memory * 2;
    const swapFile = exists(dir, 'memory.memsw.limit_in_bytes');
    // The kernel keeps memory <= memory + swap at every write: a limit raised above the present
    // memsw (an update) needs memsw raised first; otherwise memory goes first (a new group's memsw
    // is unlimited; a lowered memsw must not go under the present memory).
    const memswFirst = swapFile && limits.memory > Number(readControl(dir, 'memory.memsw.limit_in_bytes'));
    if (memswFirst) writeControl(dir, 'memory.memsw.limit_in_bytes', memsw);
    writeControl(dir, 'memory.limit_in_bytes', limits.memory);
    if (swapFile && !memswFirst) writeControl(dir, 'memory.memsw.limit_in_bytes', memsw);
  }
  if (limits.memoryReservation !== undefined) writeControl(dir, 'memory.soft_limit_in_bytes', limits.memoryReservation);
  if (limits.kernelMemory !== undefined) writeKernelMemory(dir, limits.kernelMemory);
  if (limits.kernelMemoryTcp !== undefined) writeControl(dir, 'memory.kmem.tcp.limit_in_bytes', limits.kernelMemoryTcp);
  if (limits.memorySwappiness !== undefined) writeControl(dir, 'memory.swappiness', limits.memorySwappiness);
  if (limits.oomKillDisable !== undefined) writeControl(dir, 'memory.oom_control', limits.oomKillDisable ? 1 : 0);
}

/**
 * Linux deprecated the kernel memory limit (5.4): newer kernels take the write and keep no limit
 * (6.18 here), refuse it (EOPNOTSUPP) or have no file for it. The runtime-spec deprecates it too
 * and lets runtimes ignore it, as runc does. It is written, and where the kernel refuses it or has
 * no file, left out; any other failure is an error.
 */
function writeKernelMemory(dir: string, bytes: number): void {
  if (!exists(dir, 'memory.kmem.limit_in_bytes')) return;
  try {
    writeControl(dir, 'memory.kmem.limit_in_bytes', bytes);
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'EOPNOTSUPP') return;
    throw error;
  }
}

function writeCpu(dir: string, limits: Limits): void {
  if (limits.cpus !== undefined) {
    writeControl(dir, 'cpu.cfs_period_us', CPU_PERIOD_US);
    writeControl(dir, 'cpu.cfs_quota_us', Math.round(limits.cpus * CPU_PERIOD_US));
  }
  // Period first: a quota is checked against the period in place.
  if (limits.cpuPeriod !== undefined) writeControl(dir, 'cpu.cfs_period_us', limits.cpuPeriod);
  if (limits.cpuQuota !== undefined) writeControl(dir, 'cpu.cfs_quota_us', limits.cpuQuota);
  if (limits.cpuShares !== undefined) writeControl(dir, 'cpu.shares', limits.cpuShares);
  // The period first too: the runtime must fit in the period in place.
  if (limits.cpuRtPeriod !== undefined) writeControl(dir, 'cpu.rt_period_us', limits.cpuRtPeriod);
  if (limits.cpuRtRuntime !== undefined) writeControl(dir, 'cpu.rt_runtime_us', limits.cpuRtRuntime);
}

function inheritCpuset(dir: string): void {
  const parent = path.dirname(dir);
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((readControl(dir, file) ?? '') === '') writeControl(dir, file, readControl(parent, file) ?? '');
  }
}
