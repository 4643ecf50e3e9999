// Undoes a container's setup: cgroups, rootfs (the hook, then the storage driver), then network.
// Not quite newest first, on purpose: when a container ends, the kernel is already destroying its
// network namespace, and its veth pair with it, on a worker of its own; deleting the veth at once
// would wait ~15 ms for that. Undone last, after the unmounts, the network finds it gone. Nothing
// in the other two depends on the network. Runs in whichever process sees the container end (the foreground `run`) or removes it
// (`rm`, maybe long after a crash), from the record alone. Best effort: every step runs even when an
// earlier one failed; the failures are returned together.
import type { Kernel, StorageContext } from '../../hooks/index.js';
import type { ContainerRecord } from '../container/record.js';
import type { ContainerStore } from '../container/store.js';
import type { StateRoot } from '../state-root.js';
import { containerInfo, hookContext } from './contexts.js';
import type { PluginHost } from './plugin-host.js';
import * as path from 'node:path';

export interface ReleaseDeps {
  root: StateRoot;
  host: PluginHost;
  kernel: Kernel;
  containers: ContainerStore;
}

export type ReleaseStep = 'network' | 'cgroups' | 'rootfs';
export const ALL_STEPS: readonly ReleaseStep[] = ['network', 'cgroups', 'rootfs'];

export async function releaseContainer(
  deps: ReleaseDeps,
  record: ContainerRecord,
  options: { remove: boolean; removeVolumes?: boolean; steps?: readonly ReleaseStep[] },
): Promise<Error[]> {
  const steps = new Set(options.steps ?? ALL_STEPS);
  const errors: Error[] = [];
  const stateDir = deps.containers.dir(record.id);
  const pid = record.state.pid;
  const attempt = async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  };

  if (steps.has('cgroups')) {
    await attempt(() => deps.host.hooks.releaseCgroups.promise(hookContext(record, stateDir, deps.kernel, { pid, errors })));
  }
  if (steps.has('rootfs')) {
    const rootfs = record.rootfs ?? '';
    await attempt(() => deps.host.hooks.releaseRootfs.promise(hookContext(record, stateDir, deps.kernel, { rootfs, remove: options.remove, removeVolumes: options.remove && (options.removeVolumes ?? false), errors })));
    await attempt(async () => {
      const driver = deps.host.storageDriver(record.storageDriver);
      const ctx = storageContext(deps, record, []);
      await driver.unmount(ctx);
      if (options.remove) await driver.remove(ctx);
    });
    record.rootfs = null;
  }
  if (steps.has('network')) {
    await attempt(() => deps.host.hooks.teardownNetwork.promise(hookContext(record, stateDir, deps.kernel, { pid, errors })));
  }
  // A removal that succeeded deletes the record next; otherwise keep what the teardowns changed.
  if ((!options.remove || errors.length > 0) && deps.containers.exists(record.id)) {
    await attempt(async () => deps.containers.save(record));
  }
  return errors;
}

export function storageContext(deps: ReleaseDeps, record: ContainerRecord, layers: readonly string[]): StorageContext {
  const key = `storage:${record.storageDriver}`;
  const state = (record.pluginState[key] ??= {});
  return {
    container: containerInfo(record, deps.containers.dir(record.id)),
    state,
    kernel: deps.kernel,
    layers,
    dir: path.join(deps.root.storage(record.storageDriver), record.id),
    throwaway: record.autoRemove,
  };
}
