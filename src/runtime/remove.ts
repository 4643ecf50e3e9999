// `rm`: removes a container that is not running (with force: kills it first), running every
// teardown hook from its saved state, then its layer, record and name. Runs in its own process,
// possibly long after the container ran, and possibly after the process that ran it crashed.
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus } from '../container/status.js';
import { isSameProcessAlive } from '../container/proc-stat.js';
import { MydockerError, NoSuchContainerError, describe } from '../errors.js';
import { withContainerLock } from '../container/lock.js';
import type { ReleaseDeps } from './release.js';
import { endLocked } from './end.js';

export async function removeContainer(deps: ReleaseDeps, found: ContainerRecord, options: { force: boolean; volumes?: boolean }): Promise<void> {
  await withContainerLock(deps.kernel, deps.containers.dir(found.id), async () => {
    // Whoever held the lock before may have removed it, or changed it: read it again.
    if (!deps.containers.exists(found.id)) throw new NoSuchContainerError(found.name);
    await removeLocked(deps, deps.containers.load(found.id), options);
  });
}

async function removeLocked(deps: ReleaseDeps, record: ContainerRecord, options: { force: boolean; volumes?: boolean }): Promise<void> {
  if (deriveStatus(record) === 'running') {
    if (!options.force) {
      throw new MydockerError(`cannot remove container ${record.name}: it is running`, { hint: 'stop it first, or use rm -f' });
    }
    await killAndWait(record.state.pid!, record.state.pidStartTime!);
  }
  const failures = await endLocked(deps, record, { remove: true, removeVolumes: options.volumes ?? false });
  if (failures.length > 0) {
    throw new MydockerError(`could not fully remove container ${record.name}: ${failures.map(describe).join('; ')}`, {
      hint: 'fix the cause and run rm again; the record is kept so that it can be retried',
    });
  }
}

/** SIGKILL, then wait until the process is gone or a zombie (it is not our child: poll /proc). */
async function killAndWait(pid: number, startTime: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 500; i++) {
    if (!isSameProcessAlive(pid, startTime)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new MydockerError(`container process ${pid} did not die after SIGKILL`);
}
