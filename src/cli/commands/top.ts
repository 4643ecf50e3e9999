// `mydocker top CONTAINER [ps OPTIONS]`: the host's `ps` (default `-ef`), keeping the header and the
// rows of the container's processes, as Docker's top does.
import { spawnSync } from 'node:child_process';
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';

export default async function top(args: unknown[], options: Record<string, unknown>, command: string[]): Promise<number> {
  const runtime = await cliRuntime(options);
  const pids = new Set(await runtime.processes(String(args[0])));
  const psArgs = command.length > 0 ? command : ['-ef'];
  const ps = spawnSync('ps', psArgs, { encoding: 'utf8' });
  if (ps.error) throw new MydockerError(`cannot run ps: ${(ps.error as NodeJS.ErrnoException).code ?? ps.error.message}`, { exitCode: 1, hint: 'install procps' });
  if (ps.status !== 0) throw new MydockerError(`ps ${psArgs.join(' ')} failed: ${ps.stderr.trim().split('\n')[0] ?? ''}`, { exitCode: 1 });
  process.stdout.write(filterPs(ps.stdout, pids));
  return 0;
}

/** The header and the rows whose PID column holds one of `pids`. */
export function filterPs(output: string, pids: ReadonlySet<number>): string {
  const [header = '', ...rows] = output.split('\n').filter((l) => l.trim() !== '');
  const column = header.trim().split(/\s+/).indexOf('PID');
  if (column < 0) throw new MydockerError('the ps output has no PID column', { exitCode: 1, hint: 'give ps options that print one, e.g. -ef or aux' });
  const kept = rows.filter((row) => pids.has(Number(row.trim().split(/\s+/)[column])));
  return [header, ...kept].map((l) => `${l}\n`).join('');
}
