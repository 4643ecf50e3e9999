// The kernel's freezer on a container's cgroup: what `pause`/`unpause` (mydocker's containers) and
// `mydocker-runc pause`/`resume` (OCI containers) both do. cgroup v2: the container's own group,
// cgroup.freeze (cgroup.events says "frozen 1" once every process has stopped); v1: its group in
// the freezer hierarchy, freezer.state (FREEZING until every task has stopped, then FROZEN).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError } from '../errors.js';
import { CGROUPS_PLUGIN, type CgroupState } from '../../plugins/cgroups/name.js';
import type { PluginState } from '../../hooks/index.js';

export interface FreezerGroup {
  version: 1 | 2;
  dir: string;
}

/** How long a freeze may take before it is given up (and undone): a task stuck in the kernel. */
const FREEZE_TRIES = 300;
const FREEZE_POLL_MS = 10;

/** The freezer in a container's cgroup paths (as the cgroups plugin saved them), if it has one. */
export function freezerIn(paths: Readonly<Record<string, string>> | undefined): FreezerGroup | undefined {
  if (paths?.unified !== undefined) return { version: 2, dir: paths.unified };
  if (paths?.freezer !== undefined) return { version: 1, dir: paths.freezer };
  return undefined;
}

/** The cgroup paths the cgroups plugin saved in a container's plugin state. */
export function cgroupPathsIn(pluginState: Readonly<Record<string, PluginState>>): Record<string, string> | undefined {
  return (pluginState[CGROUPS_PLUGIN] as Partial<CgroupState> | undefined)?.paths;
}

/** Frozen, or on its way (v1 FREEZING): the container is paused either way. False when the group is gone. */
export function isGroupFrozen(group: FreezerGroup): boolean {
  try {
    if (group.version === 2) return /^frozen 1$/m.test(fs.readFileSync(path.join(group.dir, 'cgroup.events'), 'utf8'));
    return fs.readFileSync(path.join(group.dir, 'freezer.state'), 'utf8').trim() !== 'THAWED';
  } catch {
    return false;
  }
}

/**
 * Freezes the group and resolves once every process in it has stopped. `join` are pids to move into
 * a v1 freezer group first (one made after they started). A freeze that does not complete is undone.
 */
export async function freezeGroup(group: FreezerGroup, join: readonly number[] = []): Promise<void> {
  if (group.version === 1) for (const pid of join) fs.writeFileSync(path.join(group.dir, 'cgroup.procs'), String(pid));
  for (let i = 0; ; i++) {
    // v1: each write of FROZEN makes the kernel try again the tasks it could not stop yet.
    if (group.version === 1 || i === 0) writeState(group, true);
    if (frozenFully(group)) return;
    if (i >= FREEZE_TRIES) break;
    await new Promise((resolve) => setTimeout(resolve, FREEZE_POLL_MS));
  }
  thawGroup(group);
  throw new MydockerError('the container\'s processes did not all stop (one may be stuck in the kernel): it was left running', { exitCode: 1 });
}

/** Thaws the group (a frozen process cannot even die: done before a SIGKILL takes effect). Quiet when the group is gone. */
export function thawGroup(group: FreezerGroup): void {
  try {
    writeState(group, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function writeState(group: FreezerGroup, frozen: boolean): void {
  if (group.version === 2) fs.writeFileSync(path.join(group.dir, 'cgroup.freeze'), frozen ? '1' : '0');
  else fs.writeFileSync(path.join(group.dir, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
}

function frozenFully(group: FreezerGroup): boolean {
  if (group.version === 2) return isGroupFrozen(group);
  try {
    return fs.readFileSync(path.join(group.dir, 'freezer.state'), 'utf8').trim() === 'FROZEN';
  } catch {
    return false;
  }
}
