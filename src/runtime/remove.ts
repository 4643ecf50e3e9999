// `rm`: removes a container that is not running (with force: kills it first), running every
// teardown hook from its saved state, then its layer, record and name. Runs in its own process,
// possibly long after the container ran, and possibly after the process that ran it (or an earlier
// `rm`) was killed half-way: then what is left may have no readable record, and is removed by its
// ID alone (remains.ts).
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus } from '../container/status.js';
import { isSameProcessAlive } from '../container/proc-stat.js';
import { cgroupPathsIn, freezerIn, thawGroup, type FreezerGroup } from '../container/freezer.js';
import { MydockerError, NoSuchContainerError, describe } from '../errors.js';
import { lockContainer } from '../container/lock.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { isStateFileError } from '../../hooks/state-file.js';
import type { ReleaseDeps } from './release.js';
import { endLocked } from './end.js';
import { removeRemains } from './remains.js';

/** Removes the container `ref` names (`id`, found even without a record). */
export async function removeContainer(deps: ReleaseDeps, ref: string, id: string, options: { force: boolean; volumes?: boolean }): Promise<void> {
  await lockContainer(deps.kernel, deps.containers, id, async () => {
    // Whoever held the lock before may have removed it, or changed it: read it again.
    let record: ContainerRecord | null = null;
    try {
      record = deps.containers.load(id);
    } catch (error) {
      // A damaged record may belong to a running container, which only rm -f may remove (its hint
      // says so); no record at all is a run or rm killed half-way: what it left, if anything, goes.
      if (isStateFileError(error) && !options.force) throw error;
    }
    if (record === null) {
      if (!(await removeRemains(deps, id))) throw new NoSuchContainerError(ref);
      return;
    }
    await removeLocked(deps, record, options);
  });
}

async function removeLocked(deps: ReleaseDeps, record: ContainerRecord, options: { force: boolean; volumes?: boolean }): Promise<void> {
  if (deriveStatus(record) === 'running') {
    if (!options.force) {
      throw new MydockerError(`cannot remove container ${record.name}: it is running`, { hint: 'stop it first, or use rm -f' });
    }
    const shim = record.detached;
    const shimGroup = shim?.shimPid !== undefined && isSameProcessAlive(shim.shimPid, shim.shimStartTime ?? null) ? shim.shimPid : null;
    await killAndWait(record.state.pid!, record.state.pidStartTime!, shimGroup, freezerIn(cgroupPathsIn(record.pluginState)));
  }
  stopPoint('rm:killed');
  const failures = await endLocked(deps, record, { remove: true, removeVolumes: options.volumes ?? false });
  if (failures.length > 0) {
    throw new MydockerError(`could not fully remove container ${record.name}: ${failures.map(describe).join('; ')}`, {
      hint: 'fix the cause and run rm again; the record is kept so that it can be retried',
    });
  }
}

/**
 * SIGKILL, then wait until the process is gone or a zombie (it is not our child: poll /proc). A
 * detached container's shim (and its watcher, in the same process group) is killed first: it would
 * otherwise start a `mydocker cleanup` for an end this very command records and releases. A
 * container's freezer is thawed after the SIGKILL (a frozen process cannot die).
 */
async function killAndWait(pid: number, startTime: number, shimGroup: number | null, freezer: FreezerGroup | undefined): Promise<void> {
  if (shimGroup !== null) {
    try {
      process.kill(-shimGroup, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  // A paused container: its processes take the SIGKILL once thawed (as Docker's rm -f does).
  if (freezer !== undefined) thawGroup(freezer);
  for (let i = 0; i < 500; i++) {
    if (!isSameProcessAlive(pid, startTime)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new MydockerError(`container process ${pid} did not die after SIGKILL`);
}
