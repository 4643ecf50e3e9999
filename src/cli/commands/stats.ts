// `mydocker stats [--no-stream] [NAME...]`: CPU %, memory usage / limit and PIDs of running
// containers, through runtime.stats(), which asks the plugins' stats providers (hooks/stats.ts:
// the built-in cgroups plugin reads the container's cgroups). CPU % is the CPU time used between two readings over the wall time between them
// (100% = one CPU busy).
import type { ContainerStats } from '../../../hooks/index.js';
import type { ContainerRecord } from '../../container/record.js';
import { shortId } from '../../container/ids.js';
import { deriveStatus } from '../../container/status.js';
import { NoSuchContainerError } from '../../errors.js';
import { toArray } from '../argv.js';
import { humanBinarySize, table } from '../format.js';
import { cliRuntime } from '../runtime.js';

const INTERVAL_MS = 1000;

export default async function stats(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const refs = toArray(args[0]);
  const pick = (): ContainerRecord[] =>
    refs.length > 0 ? refs.map((r) => runtime.containers.resolve(r)) : runtime.containers.list().filter((r) => deriveStatus(r) === 'running');
  const sample = async (records: ContainerRecord[]): Promise<Map<string, { at: number; stats: ContainerStats }>> => {
    const out = new Map<string, { at: number; stats: ContainerStats }>();
    for (const r of records) {
      if (deriveStatus(r) !== 'running') continue;
      const at = performance.now();
      const stats = await statsOf(r.id);
      if (stats) out.set(r.id, { at, stats });
    }
    return out;
  };
  // A container removed between the pick and the reading shows as "--", as one that stopped.
  const statsOf = async (id: string): Promise<ContainerStats | null> => {
    try {
      return await runtime.stats(id);
    } catch (error) {
      if (error instanceof NoSuchContainerError) return null;
      throw error;
    }
  };
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  let before = await sample(pick());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.stream === false ? INTERVAL_MS / 2 : INTERVAL_MS));
    const records = pick();
    const now = await sample(records);
    const rows = records.map((r) => {
      const a = before.get(r.id);
      const b = now.get(r.id);
      if (!b) return [shortId(r.id), r.name, '--', '-- / --', '--', '--'];
      const cpu = a ? ((b.stats.cpuNanos - a.stats.cpuNanos) / ((b.at - a.at) * 1e6)) * 100 : 0;
      const limit = b.stats.memoryLimit;
      return [
        shortId(r.id),
        r.name,
        `${cpu.toFixed(2)}%`,
        `${humanBinarySize(b.stats.memoryBytes)} / ${limit === null ? 'unlimited' : humanBinarySize(limit)}`,
        limit === null ? '--' : `${((b.stats.memoryBytes / limit) * 100).toFixed(2)}%`,
        String(b.stats.pids),
      ];
    });
    const text = table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS'], rows);
    if (options.stream === false) {
      process.stdout.write(text);
      return 0;
    }
    process.stdout.write(`\x1b[2J\x1b[H${text}`);
    if (stop) return 0;
    before = now;
  }
}
