// cgroup v1 (and the v1 half of a hybrid host): one hierarchy per controller, a group per
// container in each, below a parent of mydocker's own: <mount>/<parent>/<container id>.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupDriver, CgroupPaths, CgroupStats } from './cgroup-driver.js';
import { exists, readControl, readKeyed, removeGroup, removeParentIfEmpty, writeControl } from './cgroup-fs.js';
import { CPU_PERIOD_US, type Limits } from './cgroup-limits.js';

/** The controllers a container gets a group in (those the host has). */
const USED = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids'] as const;

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

  create(paths: CgroupPaths, limits: Limits): void {
    for (const [controller, dir] of Object.entries(paths)) {
      const parentDir = path.dirname(dir);
      fs.mkdirSync(parentDir, { recursive: true });
      // A new cpuset group has no CPUs and no memory nodes; nothing can join it until both are
      // copied down from its parent, at every level.
      if (this.isCpuset(controller)) inheritCpuset(parentDir);
      fs.mkdirSync(dir, { recursive: true });
      if (this.isCpuset(controller)) {
        inheritCpuset(dir);
        if (limits.cpusetCpus !== undefined) writeControl(dir, 'cpuset.cpus', limits.cpusetCpus);
        if (limits.cpusetMems !== undefined) writeControl(dir, 'cpuset.mems', limits.cpusetMems);
      }
    }
    const memory = paths.memory;
    if (memory !== undefined && limits.memory !== undefined) {
      writeControl(memory, 'memory.limit_in_bytes', limits.memory);
      // Docker's default swap allowance equals the memory limit (memory + swap = 2 x memory).
      const memsw = limits.memorySwap ?? limits.memory * 2;
      if (exists(memory, 'memory.memsw.limit_in_bytes')) writeControl(memory, 'memory.memsw.limit_in_bytes', memsw);
    }
    const cpu = paths.cpu;
    if (cpu !== undefined) {
      if (limits.cpus !== undefined) {
        writeControl(cpu, 'cpu.cfs_period_us', CPU_PERIOD_US);
        writeControl(cpu, 'cpu.cfs_quota_us', Math.round(limits.cpus * CPU_PERIOD_US));
      }
      if (limits.cpuShares !== undefined) writeControl(cpu, 'cpu.shares', limits.cpuShares);
    }
    if (paths.pids !== undefined && limits.pidsLimit !== undefined) {
      writeControl(paths.pids, 'pids.max', limits.pidsLimit === -1 ? 'max' : limits.pidsLimit);
    }
  }

  addProcess(paths: CgroupPaths, pid: number): void {
    for (const dir of Object.values(paths)) writeControl(dir, 'cgroup.procs', pid);
  }

  procsFiles(paths: CgroupPaths): string[] {
    return Object.values(paths).map((dir) => path.join(dir, 'cgroup.procs'));
  }

  remove(paths: CgroupPaths): void {
    for (const dir of Object.values(paths)) {
      removeGroup(dir);
      removeParentIfEmpty(path.dirname(dir));
    }
  }

  oomKilled(paths: CgroupPaths): boolean {
    return paths.memory !== undefined && (readKeyed(paths.memory, 'memory.oom_control').get('oom_kill') ?? 0) > 0;
  }

  stats(paths: CgroupPaths): CgroupStats {
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

  /** cpuset's own hierarchy, or one it is co-mounted in. */
  private isCpuset(controller: string): boolean {
    return this.controllers.cpuset !== undefined && this.controllers[controller] === this.controllers.cpuset;
  }
}

function inheritCpuset(dir: string): void {
  const parent = path.dirname(dir);
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((readControl(dir, file) ?? '') === '') writeControl(dir, file, readControl(parent, file) ?? '');
  }
}
