// `mydocker stats [--no-stream] [NAME...]`: CPU %, memory usage / limit and PIDs of running
// containers, read from the cgroups the built-in cgroups plugin made for them (its readStats,
// hooks/stats.ts). CPU % is the CPU time used between two readings over the wall time between them
// (100% = one CPU busy).
import type { ContainerStats } from '../../../hooks/stats.js';
import { containerStats } from '../../runtime/builtin-services.js';
import type { ContainerRecord } from '../../container/record.js';
import { shortId } from '../../container/ids.js';
import { deriveStatus } from '../../container/status.js';
import { toArray } from '../argv.js';
import { humanBinarySize, table } from '../format.js';
import { cliRuntime } from '../runtime.js';

const INTERVAL_MS = 1000;

export default async function stats(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const refs = toArray(args[0]);
  const pick = (): ContainerRecord[] =>
    refs.length > 0 ? refs.map((r) => runtime.containers.resolve(r)) : runtime.containers.list().filter((r) => deriveStatus(r) === 'running');
  const sample = (records: ContainerRecord[]): Map<string, { at: number; stats: ContainerStats }> => {
    const out = new Map<string, { at: number; stats: ContainerStats }>();
    for (const r of records) {
      if (deriveStatus(r) !== 'running') continue;
      const at = performance.now();
      const stats = containerStats(r.pluginState);
      if (stats) out.set(r.id, { at, stats });
    }
    return out;
  };
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  let before = sample(pick());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.stream === false ? INTERVAL_MS / 2 : INTERVAL_MS));
    const records = pick();
    const now = sample(records);
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
