// `pause` and `unpause`: a running container's processes frozen and thawed by the kernel's freezer
// on its cgroup (src/container/freezer.ts). The state lives in the kernel only (the record keeps
// nothing of it): `ps`, `inspect` and `exec` read it there, and it goes with the container's groups.
import { deriveStatus, isPaused } from '../container/status.js';
import { cgroupPathsIn, freezeGroup, freezerIn, thawGroup, type FreezerGroup } from '../container/freezer.js';
import type { ContainerRecord } from '../container/record.js';
import { MydockerError } from '../errors.js';
import { eventAttributes, recordEvent } from './events.js';
import type { RuntimeInternals } from './internals.js';

export async function pause(rt: RuntimeInternals, ref: string): Promise<void> {
  const record = rt.containers.resolve(ref);
  const group = runningFreezer(record);
  if (isPaused(record)) throw new MydockerError(`container ${record.name} is already paused`, { exitCode: 1 });
  await freezeGroup(group);
  recordEvent(rt.root.dir, 'pause', record.id, eventAttributes(record));
}

export async function unpause(rt: RuntimeInternals, ref: string): Promise<void> {
  const record = rt.containers.resolve(ref);
  const group = runningFreezer(record);
  if (!isPaused(record)) throw new MydockerError(`container ${record.name} is not paused`, { exitCode: 1 });
  thawGroup(group);
  recordEvent(rt.root.dir, 'unpause', record.id, eventAttributes(record));
}

/** The freezer of a running container; Docker's errors otherwise. */
function runningFreezer(record: ContainerRecord): FreezerGroup {
  if (deriveStatus(record) !== 'running') throw new MydockerError(`container ${record.name} is not running`, { exitCode: 1 });
  const group = freezerIn(cgroupPathsIn(record.pluginState));
  if (group === undefined) {
    throw new MydockerError(`container ${record.name} has no freezer cgroup to pause it with`, { exitCode: 1, hint: 'this host has no freezer controller, or the container was started without the cgroups plugin' });
  }
  return group;
}
