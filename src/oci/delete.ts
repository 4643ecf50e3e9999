// `mydocker-runc delete [--force]`: a stopped (or only created) container's teardowns run through
// the plugin host (cgroups, the root's preparation, network) and its directory goes. --force kills
// a running one first; an unknown ID with --force is done already (containerd calls it twice).
// Then the config's poststop hooks run.
import { MydockerError, describe } from '../errors.js';
import { processStartTime } from '../container/proc-stat.js';
import type { Kernel } from '../../hooks/index.js';
import type { PluginHost } from '../runtime/plugin-host.js';
import { NoSuchOciContainer, statusNow, type OciContainer, type OciStore } from './store.js';
import { containerPids } from './signal.js';
import { teardown } from './teardown.js';
import { isFrozen, releaseFreezer, removeFreezer } from './freezer.js';
import { runOciHooksReporting } from './oci-hooks.js';
import { stateDocument } from './state.js';

/** Returns what failed of the poststop hooks (the container is gone all the same: warnings). */
export async function deleteContainer(deps: { store: OciStore; kernel: Kernel; host(): Promise<PluginHost> }, id: string, force: boolean): Promise<string[]> {
  const { store } = deps;
  const container = store.read(id);
  if (container === null) {
    // A directory without a state file is a `create` killed before its first write: nothing else exists.
    if (store.exists(id)) store.remove(id);
    else if (!force) throw new NoSuchOciContainer(id);
    return [];
  }
  const status = statusNow(container, () => isFrozen(container));
  if ((status === 'running' || status === 'paused' || status === 'creating') && !force) {
    throw new MydockerError(`cannot delete container ${id} that is not stopped: ${status}`, { exitCode: 1 });
  }
  // A created container's first process only waits: it goes with the container, as with runc.
  // A frozen process cannot die: thawed first.
  releaseFreezer(container);
  await killAll(container);
  const failures = await teardown(await deps.host(), deps.kernel, container, store.dir(id));
  try {
    removeFreezer(container);
  } catch (error) {
    failures.push(error as Error);
  }
  if (failures.length > 0) {
    store.save(container);
    throw new MydockerError(`deleting container ${id}: ${failures.map(describe).join('; ')}`, { exitCode: 1 });
  }
  store.remove(id);
  return runOciHooksReporting('poststop', container.hooks?.poststop ?? [], stateDocument(container, 'stopped', container.engine.rootfs));
}

/** SIGKILL to the first process and everything in its cgroup, then waits until the first process is gone. */
async function killAll(container: OciContainer): Promise<void> {
  const alive = (): boolean => container.pid !== null && processStartTime(container.pid) === container.pidStartTime && container.pidStartTime !== null;
  const targets = [...containerPids(container), ...(alive() ? [container.pid!] : [])];
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  // A process SIGKILLed leaves its cgroup (and shows as a zombie) within moments; the groups can
  // only be removed after. Bounded: a process stuck in the kernel (D state) is reported by the teardown.
  for (let i = 0; i < 200 && (alive() || containerPids(container).length > 0); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
