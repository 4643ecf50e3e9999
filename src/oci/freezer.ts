// `mydocker-runc pause` and `resume`: the container's processes frozen by the kernel's freezer. On
// cgroup v2 that is the container's own group (cgroup.freeze); on v1 the freezer is a hierarchy of
// its own, which the cgroups plugin does not use: the first pause makes the container's group there
// (at the same path as its other groups) and moves its processes in; `delete` thaws and removes it.
// The directories made are saved in the container's state before they are made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError } from '../errors.js';
import { CGROUPS_PLUGIN, type CgroupState } from '../../plugins/cgroups/index.js';
import { containerPids } from './signal.js';
import { statusNow, type OciContainer, type OciStore } from './store.js';

interface FreezerState {
  /** The v1 freezer group, and the directories made for it (parents first). */
  dir: string;
  made: string[];
}

const FREEZER_KEY = 'mydocker-runc:freezer';

export function pauseContainer(store: OciStore, id: string): void {
  const container = store.get(id);
  const status = statusNow(container, () => isFrozen(container));
  if (status !== 'running') throw new MydockerError(`cannot pause a ${status} container`, { exitCode: 1 });
  setFrozen(store, container, true);
}

export function resumeContainer(store: OciStore, id: string): void {
  const container = store.get(id);
  const status = statusNow(container, () => isFrozen(container));
  if (status !== 'paused') throw new MydockerError(`cannot resume a ${status} container`, { exitCode: 1 });
  setFrozen(store, container, false);
}

export function isFrozen(container: OciContainer): boolean {
  const unified = groups(container)?.unified;
  try {
    if (unified !== undefined) return /^frozen 1$/m.test(fs.readFileSync(path.join(unified, 'cgroup.events'), 'utf8'));
    const freezer = saved(container);
    return freezer !== undefined && fs.readFileSync(path.join(freezer.dir, 'freezer.state'), 'utf8').trim() !== 'THAWED';
  } catch {
    return false;
  }
}

/** Thaws (a frozen process cannot die) and removes a v1 freezer group made by pause. Idempotent. */
export function releaseFreezer(container: OciContainer): void {
  const freezer = saved(container);
  const unified = groups(container)?.unified;
  try {
    if (unified !== undefined) fs.writeFileSync(path.join(unified, 'cgroup.freeze'), '0');
    if (freezer !== undefined) fs.writeFileSync(path.join(freezer.dir, 'freezer.state'), 'THAWED');
  } catch {
    // gone already
  }
}

/** After the container's processes are gone: its v1 freezer directories, deepest first. */
export function removeFreezer(container: OciContainer): void {
  const freezer = saved(container);
  if (freezer === undefined) return;
  for (const dir of [...freezer.made].reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function setFrozen(store: OciStore, container: OciContainer, frozen: boolean): void {
  const unified = groups(container)?.unified;
  if (unified !== undefined) {
    fs.writeFileSync(path.join(unified, 'cgroup.freeze'), frozen ? '1' : '0');
    return;
  }
  let freezer = saved(container);
  if (freezer === undefined) {
    freezer = makeFreezer(store, container);
  }
  // Every process of the container, again: some may have been born since the last pause.
  for (const pid of containerPids(container)) fs.writeFileSync(path.join(freezer.dir, 'cgroup.procs'), String(pid));
  fs.writeFileSync(path.join(freezer.dir, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
  // FREEZING until every task has stopped: pause returns once they have.
  for (let i = 0; frozen && i < 1000 && fs.readFileSync(path.join(freezer.dir, 'freezer.state'), 'utf8').trim() !== 'FROZEN'; i++) {
    fs.writeFileSync(path.join(freezer.dir, 'freezer.state'), 'FROZEN');
  }
}

function makeFreezer(store: OciStore, container: OciContainer): FreezerState {
  const memory = groups(container)?.memory ?? groups(container)?.pids;
  const mount = freezerMount();
  if (memory === undefined || mount === undefined) throw new MydockerError('this host has no freezer cgroup to pause the container with', { exitCode: 1 });
  // The container's path below its hierarchy's root, the same in the freezer's.
  const relative = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((m) => m !== '' && memory.startsWith(`${m}/`))
    .sort((a, b) => b.length - a.length)
    .map((m) => memory.slice(m.length))[0];
  if (relative === undefined) throw new MydockerError('cannot find the container\'s cgroup to pause it', { exitCode: 1 });
  const dir = path.join(mount, relative);
  const missing: string[] = [];
  for (let d = dir; d !== mount && !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  const freezer: FreezerState = { dir, made: missing };
  // Intent first: a crash after the mkdir still leaves what delete removes.
  container.engine.pluginState[FREEZER_KEY] = { dir, made: missing };
  store.save(container);
  for (const d of missing) fs.mkdirSync(d);
  return freezer;
}

function saved(container: OciContainer): FreezerState | undefined {
  const state = container.engine.pluginState[FREEZER_KEY] as unknown as FreezerState | undefined;
  return state?.dir === undefined ? undefined : state;
}

function groups(container: OciContainer): Record<string, string> | undefined {
  return (container.engine.pluginState[CGROUPS_PLUGIN] as Partial<CgroupState> | undefined)?.paths;
}

function freezerMount(): string | undefined {
  const line = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => / - cgroup /.test(l) && (l.split(' - ')[1]!.split(' ')[2] ?? '').split(',').includes('freezer'));
  return line?.split(' ')[4];
}
