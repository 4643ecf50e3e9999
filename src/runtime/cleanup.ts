// `mydocker cleanup ID` (internal): run by a detached container's shim once PID 1 has ended, in a
// fresh process with a clean environment. Records how the container ended and releases it (and
// removes it, with --rm). Safe to run twice or after `rm`: it works under the container's lock and
// does nothing for a container that is gone or still running.
import { withContainerLock } from '../container/lock.js';
import { readExitFile } from '../container/exit-file.js';
import { deriveStatus } from '../container/status.js';
import { MydockerError, describe } from '../errors.js';
import { releaseContainer, type ReleaseDeps } from './release.js';

export async function cleanupContainer(deps: ReleaseDeps, id: string): Promise<void> {
  await withContainerLock(deps.kernel, deps.containers.dir(id), async () => {
    if (!deps.containers.exists(id)) return;
    const record = deps.containers.load(id);
    if (deriveStatus(record) === 'running') return;
    if (record.state.status !== 'exited') {
      const exit = record.detached ? readExitFile(record.detached.exitFile) : null;
      record.state.status = 'exited';
      record.state.exitCode = exit?.code ?? null;
      record.state.finishedAt = exit?.at ?? new Date().toISOString();
      deps.containers.save(record);
    }
    const failures = await releaseContainer(deps, record, { remove: record.autoRemove, removeVolumes: record.autoRemove });
    if (record.autoRemove && failures.length === 0) deps.containers.delete(record);
    if (failures.length > 0) {
      throw new MydockerError(`releasing container ${record.name} failed: ${failures.map(describe).join('; ')}`);
    }
  });
}
