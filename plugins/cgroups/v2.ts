// cgroup v2: one unified hierarchy, a group per container below a parent of mydocker's own,
// <root>/<parent>/<container id>. Controllers must be enabled in each ancestor's
// cgroup.subtree_control, and processes live only in leaves (the parent holds none). v2 has no
// devices controller: device access is a BPF program attached to the group (device-bpf.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLONE, MS, type DeviceRule, type InitStep } from '../../hooks/index.js';
import type { ContainerStats } from '../../hooks/stats.js';
import type { CgroupDriver, CgroupEvents, CgroupPaths } from './driver.js';
import { CGROUP_VIEW, VIEW_FLAGS } from './layout.js';
import { attachDeviceProgram, type BpfKernel } from './device-bpf.js';
import { isMember, levelsBelow, makeGroup, missingLevels, readControl, readKeyed, removeEmptyLevels, removeGroup, writeControl } from './cgroupfs.js';
import { CPU_PERIOD_US, sharesToWeight, type Limits } from './limits.js';

const WANTED = ['cpu', 'cpuset', 'memory', 'pids'];

export class CgroupV2 implements CgroupDriver {
  /** `kernel` makes the bpf() calls of device control; without it only an empty rule list is accepted. */
  constructor(
    private readonly root: string,
    private readonly kernel?: BpfKernel,
  ) {}

  paths(parent: string, id: string): CgroupPaths {
    return { unified: path.join(this.root, parent, id) };
  }

  /** A private cgroup namespace makes the container's own group the root of a fresh cgroup2 mount. */
  views(_paths: CgroupPaths, writable: boolean): InitStep[] {
    return [
      { op: 'unshare', flags: CLONE.NEWCGROUP },
      { op: 'mount', source: 'cgroup2', target: CGROUP_VIEW, fstype: 'cgroup2', flags: VIEW_FLAGS | (writable ? 0 : MS.RDONLY), data: null },
    ];
  }

  missingLevels(paths: CgroupPaths): string[] {
    return missingLevels(this.root, paths.unified!);
  }

  create(paths: CgroupPaths, limits: Limits, devices: readonly DeviceRule[] = [], events: CgroupEvents = {}): void {
    refuseV1Only(limits);
    const dir = paths.unified!;
    const parentDir = path.dirname(dir);
    for (const level of levelsBelow(this.root, dir).slice(0, -1)) if (makeGroup(level)) events.levelMade?.(level);
    fs.mkdirSync(parentDir, { recursive: true }); // a parent outside the hierarchy's root (levelsBelow made none)
    this.enableControllers(parentDir);
    fs.mkdirSync(dir, { recursive: true });
    events.groupMade?.();
    if (devices.length > 0) {
      if (this.kernel === undefined) throw new Error('the cgroup v2 driver was made without a kernel: it cannot attach the device program');
      // Before any process joins: confined from its first instruction.
      attachDeviceProgram(this.kernel, dir, devices);
    }
    this.update(paths, limits);
  }

  update(paths: CgroupPaths, limits: Limits): void {
    refuseV1Only(limits);
    const dir = paths.unified!;
    if (limits.memory !== undefined) {
      writeControl(dir, 'memory.max', limits.memory);
      // v2 counts swap alone; Docker's --memory-swap is memory plus swap (default: twice memory).
      const swap = limits.memorySwap === undefined ? limits.memory : limits.memorySwap === -1 ? 'max' : limits.memorySwap - limits.memory;
      if (fs.existsSync(path.join(dir, 'memory.swap.max'))) writeControl(dir, 'memory.swap.max', swap);
    }
    if (limits.memoryReservation !== undefined) writeControl(dir, 'memory.low', limits.memoryReservation);
    if (limits.cpus !== undefined) writeControl(dir, 'cpu.max', `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
    // cpu.max is "QUOTA PERIOD", with "max" for no quota; a period alone keeps the quota in place.
    if (limits.cpuQuota !== undefined || limits.cpuPeriod !== undefined) {
      const [quotaNow = 'max'] = (readControl(dir, 'cpu.max') ?? '').split(' ');
      const quota = limits.cpuQuota === undefined ? quotaNow : limits.cpuQuota === -1 ? 'max' : String(limits.cpuQuota);
      writeControl(dir, 'cpu.max', `${quota} ${limits.cpuPeriod ?? CPU_PERIOD_US}`);
    }
    if (limits.cpuShares !== undefined) writeControl(dir, 'cpu.weight', sharesToWeight(limits.cpuShares));
    if (limits.cpusetCpus !== undefined) writeControl(dir, 'cpuset.cpus', limits.cpusetCpus);
    if (limits.cpusetMems !== undefined) writeControl(dir, 'cpuset.mems', limits.cpusetMems);
    if (limits.pidsLimit !== undefined) writeControl(dir, 'pids.max', limits.pidsLimit === -1 ? 'max' : limits.pidsLimit);
  }

  addProcess(paths: CgroupPaths, pid: number, options: { unlessMember?: boolean } = {}): void {
    if (options.unlessMember && isMember(paths.unified!, pid)) return;
    writeControl(paths.unified!, 'cgroup.procs', pid);
  }

  joinFiles(paths: CgroupPaths): string[] {
    return this.procsFiles(paths);
  }

  procsFiles(paths: CgroupPaths): string[] {
    return [path.join(paths.unified!, 'cgroup.procs')];
  }

  remove(paths: CgroupPaths, levels: readonly string[] = []): void {
    removeGroup(paths.unified!);
    removeEmptyLevels(levels);
  }

  oomKilled(paths: CgroupPaths): boolean {
    return (readKeyed(paths.unified!, 'memory.events').get('oom_kill') ?? 0) > 0;
  }

  stats(paths: CgroupPaths): ContainerStats {
    const dir = paths.unified!;
    const max = readControl(dir, 'memory.max');
    return {
      cpuNanos: (readKeyed(dir, 'cpu.stat').get('usage_usec') ?? 0) * 1000,
      memoryBytes: Number(readControl(dir, 'memory.current') ?? 0),
      memoryLimit: max === null || max === 'max' ? null : Number(max),
      pids: Number(readControl(dir, 'pids.current') ?? 0),
    };
  }

  /** Enables the controllers mydocker uses from the root down to `dir` (its children get them). */
  private enableControllers(dir: string): void {
    const chain: string[] = [];
    for (let d = dir; d.startsWith(this.root); d = path.dirname(d)) {
      chain.unshift(d);
      if (d === this.root) break;
    }
    for (const level of chain) {
      const available = (readControl(level, 'cgroup.controllers') ?? '').split(/\s+/);
      const enabled = (readControl(level, 'cgroup.subtree_control') ?? '').split(/\s+/);
      const missing = WANTED.filter((c) => available.includes(c) && !enabled.includes(c));
      if (missing.length > 0) writeControl(level, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
    }
  }
}

/**
 * What v2 has no file for: refused by name before anything is made, never dropped. The kernel
 * memory limit is the exception: deprecated by Linux and the runtime-spec, which lets runtimes
 * ignore it, and v2 counts kernel memory in memory.max anyway.
 */
function refuseV1Only(limits: Limits): void {
  const named: Array<[keyof Limits, string]> = [
    ['kernelMemoryTcp', 'a kernel TCP memory limit (memory.kernelTCP)'],
    ['memorySwappiness', 'a memory swappiness (memory.swappiness)'],
    ['oomKillDisable', 'disabling the OOM killer (memory.disableOOMKiller)'],
    ['cpuRtPeriod', 'a real-time CPU period (cpu.realtimePeriod)'],
    ['cpuRtRuntime', 'a real-time CPU runtime (cpu.realtimeRuntime)'],
  ];
  for (const [key, what] of named) {
    if (limits[key] !== undefined) throw new Error(`cgroup v2 cannot set ${what}: it exists on cgroup v1 only`);
  }
}
