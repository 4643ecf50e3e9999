// `mydocker-runc kill`: a signal, by number or name (SIGTERM, TERM, 15), to the first process, or
// with --all to every process of the container's cgroup (what containerd's shim sends once the
// first process has gone, to reap what it left: nothing there is not an error).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants } from 'node:os';
import { MydockerError } from '../errors.js';
// name.js, not the plugin: `state` and `kill` read where the groups are without loading it (5 ms).
import { CGROUPS_PLUGIN, type CgroupState } from '../../plugins/cgroups/name.js';
import { statusNow, type OciContainer, type OciStore } from './store.js';

/** A signal as runc takes it: a number, or a name with or without SIG. */
export function parseSignal(text: string | undefined): number {
  if (text === undefined) return constants.signals.SIGTERM;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 64) throw new MydockerError(`invalid signal "${text}"`, { exitCode: 1 });
    return n;
  }
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as keyof typeof constants.signals;
  const n = constants.signals[name];
  if (n === undefined) throw new MydockerError(`invalid signal "${text}"`, { exitCode: 1 });
  return n;
}

export function killContainer(store: OciStore, id: string, signal: number, all: boolean): void {
  const container = store.get(id);
  const status = statusNow(container);
  if (all) {
    const pids = containerPids(container);
    if (status !== 'stopped' && !pids.includes(container.pid!)) pids.push(container.pid!);
    for (const pid of pids) sendQuietly(pid, signal);
    return;
  }
  if (status === 'stopped') throw new MydockerError('container not running', { exitCode: 1 });
  try {
    process.kill(container.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') throw new MydockerError('container not running', { exitCode: 1 });
    throw error;
  }
}

/** Every process of the container's cgroup (host pids), as the cgroups plugin saved where it is. */
export function containerPids(container: OciContainer): number[] {
  const state = container.engine.pluginState[CGROUPS_PLUGIN] as Partial<CgroupState> | undefined;
  const dir = state?.paths === undefined ? undefined : (state.paths.pids ?? state.paths.unified ?? Object.values(state.paths)[0]);
  if (dir === undefined) return [];
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return []; // the group is gone
  }
}

function sendQuietly(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone meanwhile
  }
}
