// Parses and validates resource limits as Docker's flags give them (-m 100m, --cpus 0.5, ...),
// in the `run` process before anything exists (checkOptions). Pure: the host's CPUs and memory
// nodes are passed in, so tests need no real machine.
import type { JsonValue } from '../../hooks/index.js';
import { parseBytes } from '../../hooks/sizes.js';

export { parseBytes };

export interface Limits {
  memory?: number; // bytes
  /** Memory plus swap in bytes; -1 for unlimited swap. */
  memorySwap?: number;
  /** CPU time as a fraction of one CPU (0.5 = half a CPU). */
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** -1: unlimited. */
  pidsLimit?: number;
  /** CFS period and quota in microseconds, as given (OCI's cpu.period and cpu.quota; quota -1: none). */
  cpuPeriod?: number;
  cpuQuota?: number;
  /** Real-time scheduling budget in microseconds (v1's cpu.rt_period_us, cpu.rt_runtime_us). */
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  /** Soft limit in bytes (v1's memory.soft_limit_in_bytes, v2's memory.low). */
  memoryReservation?: number;
  /** Kernel memory in bytes; -1: unlimited. Deprecated by Linux (5.4) and the runtime-spec. */
  kernelMemory?: number;
  /** Kernel TCP buffer memory in bytes; -1: unlimited (v1 only). */
  kernelMemoryTcp?: number;
  /** 0 to 100 (v1 only). */
  memorySwappiness?: number;
  /** The OOM killer left out: tasks wait for memory instead (v1 only). */
  oomKillDisable?: boolean;
}

export interface HostResources {
  /** Online CPU ids, e.g. [0, 1]. */
  cpus: number[];
  /** Online memory nodes, e.g. [0]. */
  mems: number[];
}

const MIN_MEMORY = 6 * 1024 * 1024; // Docker's floor: a smaller limit kills the container at once

export function parseLimits(options: Readonly<Record<string, JsonValue>>, host: HostResources): Limits {
  const limits: Limits = {};
  const text = (key: string): string | undefined => (options[key] === undefined ? undefined : String(options[key]).trim());

  const memory = text('memory');
  if (memory !== undefined) {
    limits.memory = parseBytes(memory, '--memory');
    if (limits.memory < MIN_MEMORY) throw new Error(`--memory ${memory}: the minimum memory limit is 6MB`);
  }
  const swap = text('memorySwap');
  if (swap !== undefined) {
    if (limits.memory === undefined) throw new Error('--memory-swap needs --memory too (the swap limit includes the memory)');
    limits.memorySwap = swap === '-1' ? -1 : parseBytes(swap, '--memory-swap');
    if (limits.memorySwap !== -1 && limits.memorySwap < limits.memory) {
      throw new Error(`--memory-swap ${swap} is smaller than --memory ${memory}: it counts memory plus swap`);
    }
  }
  const cpus = text('cpus');
  if (cpus !== undefined) {
    const value = Number(cpus);
    if (!/^\d*\.?\d+$/.test(cpus) || !(value > 0) || value > host.cpus.length) {
      throw new Error(`--cpus ${cpus}: the range is 0.01 to ${host.cpus.length}.00, as this host has ${host.cpus.length} CPUs`);
    }
    limits.cpus = value;
  }
  const shares = text('cpuShares');
  if (shares !== undefined) {
    const value = Number(shares);
    if (!/^\d+$/.test(shares) || value < 2 || value > 262144) throw new Error(`--cpu-shares ${shares}: a whole number from 2 to 262144`);
    limits.cpuShares = value;
  }
  const cpuset = text('cpusetCpus');
  if (cpuset !== undefined) limits.cpusetCpus = checkList(cpuset, host.cpus, '--cpuset-cpus', 'CPUs');
  const mems = text('cpusetMems');
  if (mems !== undefined) limits.cpusetMems = checkList(mems, host.mems, '--cpuset-mems', 'memory nodes');
  const pids = text('pidsLimit');
  if (pids !== undefined) {
    if (!/^-?\d+$/.test(pids)) throw new Error(`--pids-limit ${pids}: a whole number (-1 or 0 for unlimited)`);
    const value = Number(pids);
    if (value < -1) throw new Error(`--pids-limit ${pids}: a whole number (-1 or 0 for unlimited)`);
    limits.pidsLimit = value <= 0 ? -1 : value;
  }
  parseFineLimits(text, limits);
  return limits;
}

/**
 * The limits only an OCI config gives (mydocker-runc's linux.resources): kept as given, not
 * turned into Docker's --cpus, because a runtime must write back exactly the period and quota asked.
 */
function parseFineLimits(text: (key: string) => string | undefined, limits: Limits): void {
  const whole = (key: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new Error(`${flag} ${value}: a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
    }
    return Number(value);
  };
  const bytes = (key: string, flag: string): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    return value === '-1' ? -1 : parseBytes(value, flag);
  };
  // The kernel's own bounds: a period from 1 ms to 1 s, a quota of at least 1 ms (or -1: none).
  const period = whole('cpuPeriod', '--cpu-period', 1000, 1000000);
  if (period !== undefined) limits.cpuPeriod = period;
  const quota = whole('cpuQuota', '--cpu-quota', -1);
  if (quota !== undefined) {
    if (quota !== -1 && quota < 1000) throw new Error(`--cpu-quota ${quota}: at least 1000 microseconds (or -1 for none)`);
    if (limits.cpus !== undefined) throw new Error('--cpus and --cpu-quota cannot both be given');
    limits.cpuQuota = quota;
  }
  const rtPeriod = whole('cpuRtPeriod', '--cpu-rt-period', 1, 1000000);
  if (rtPeriod !== undefined) limits.cpuRtPeriod = rtPeriod;
  const rtRuntime = whole('cpuRtRuntime', '--cpu-rt-runtime', -1);
  if (rtRuntime !== undefined) limits.cpuRtRuntime = rtRuntime;
  const reservation = bytes('memoryReservation', '--memory-reservation');
  if (reservation !== undefined && reservation !== -1) limits.memoryReservation = reservation;
  const kernel = bytes('kernelMemory', '--kernel-memory');
  if (kernel !== undefined) limits.kernelMemory = kernel;
  const tcp = bytes('kernelMemoryTcp', '--kernel-memory-tcp');
  if (tcp !== undefined) limits.kernelMemoryTcp = tcp;
  const swappiness = whole('memorySwappiness', '--memory-swappiness', 0, 100);
  if (swappiness !== undefined) limits.memorySwappiness = swappiness;
  const oom = text('oomKillDisable');
  if (oom !== undefined) {
    if (oom !== 'true' && oom !== 'false') throw new Error(`--oom-kill-disable ${oom}: true or false`);
    limits.oomKillDisable = oom === 'true';
  }
}

/** "0-2,4" -> [0,1,2,4]; refuses malformed lists and ids the host does not have. */
export function parseList(text: string): number[] | null {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) return null;
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from) return null;
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

function checkList(text: string, available: number[], flag: string, what: string): string {
  const ids = parseList(text);
  if (ids === null) throw new Error(`${flag} ${text}: expected a list like 0-1 or 0,2`);
  const missing = ids.filter((id) => !available.includes(id));
  if (missing.length > 0) {
    throw new Error(`${flag} ${text}: requested ${what} are not available - requested ${missing.join(',')}, available: ${formatList(available)}`);
  }
  return text;
}

export function formatList(ids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(i === j ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** runc >= 1.4 and crun >= 1.23: shares 2..262144 onto weight 1..10000, 1024 -> 100. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 100;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.min(10000, Math.max(1, Math.ceil(10 ** exponent)));
}

export const CPU_PERIOD_US = 100000;
