// `mydocker-runc pause` and `resume`: the container's processes frozen by the kernel's freezer
// (src/container/freezer.ts, shared with mydocker's `pause`). On cgroup v2 that is the container's
// own group (cgroup.freeze); on v1 its group in the freezer hierarchy, which the cgroups plugin
// makes with the others; a container whose groups were made without one (an older mydocker) gets
// it from the first pause (at the same path as its other groups), its processes moved in, and
// `delete` thaws and removes it. The directories made are saved in the container's state before
// they are made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError } from '../errors.js';
import { cgroupPathsIn, freezeGroup, freezerIn, isGroupFrozen, thawGroup, type FreezerGroup } from '../container/freezer.js';
import { containerPids } from './signal.js';
import { statusNow, type OciContainer, type OciStore } from './store.js';

interface FreezerState {
  /** The v1 freezer group, and the directories made for it (parents first). */
  dir: string;
  made: string[];
}

const FREEZER_KEY = 'mydocker-runc:freezer';

export async function pauseContainer(store: OciStore, id: string): Promise<void> {
  const container = store.get(id);
  const status = statusNow(container, () => isFrozen(container));
  if (status !== 'running') throw new MydockerError(`cannot pause a ${status} container`, { exitCode: 1 });
  const group = freezerOf(container) ?? makeFreezer(store, container);
  // Into a freezer group pause made, every process of the container, again at each pause: some
  // may have been born since the last.
  await freezeGroup(group, saved(container) !== undefined ? containerPids(container) : []);
}

export async function resumeContainer(store: OciStore, id: string): Promise<void> {
  const container = store.get(id);
  const status = statusNow(container, () => isFrozen(container));
  if (status !== 'paused') throw new MydockerError(`cannot resume a ${status} container`, { exitCode: 1 });
  const group = freezerOf(container);
  if (group !== undefined) thawGroup(group);
}

export function isFrozen(container: OciContainer): boolean {
  const group = freezerOf(container);
  return group !== undefined && isGroupFrozen(group);
}

/** Thaws (a frozen process cannot die). Idempotent. */
export function releaseFreezer(container: OciContainer): void {
  const group = freezerOf(container);
  try {
    if (group !== undefined) thawGroup(group);
  } catch {
    // gone already
  }
}

/** After the container's processes are gone: the v1 freezer directories pause made, deepest first. */
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

/** The container's freezer: its cgroups' own (v2, or v1's freezer group), or the one a pause made. */
function freezerOf(container: OciContainer): FreezerGroup | undefined {
  const freezer = saved(container);
  return freezerIn(cgroupPathsIn(container.engine.pluginState)) ?? (freezer === undefined ? undefined : { version: 1, dir: freezer.dir });
}

function makeFreezer(store: OciStore, container: OciContainer): FreezerGroup {
  const paths = cgroupPathsIn(container.engine.pluginState);
  const memory = paths?.memory ?? paths?.pids;
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
  // Intent first: a crash after the mkdir still leaves what delete removes.
  container.engine.pluginState[FREEZER_KEY] = { dir, made: missing };
  store.save(container);
  for (const d of missing) fs.mkdirSync(d);
  return { version: 1, dir };
}

function saved(container: OciContainer): FreezerState | undefined {
  const state = container.engine.pluginState[FREEZER_KEY] as unknown as FreezerState | undefined;
  return state?.dir === undefined ? undefined : state;
}

function freezerMount(): string | undefined {
  const line = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => / - cgroup /.test(l) && (l.split(' - ')[1]!.split(' ')[2] ?? '').split(',').includes('freezer'));
  return line?.split(' ')[4];
}
