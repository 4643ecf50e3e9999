// Undoes what `create` set up for an OCI container, through the same teardown hooks as `run`:
// cgroups, then the root's preparation, then the network (release.ts's order). Best effort: every
// step runs; the failures are returned together. Run by `delete` (another process, from the saved
// state) and by a `create` that failed half-way (only the steps it began).
import type { Kernel } from '../../hooks/index.js';
import { hookContext } from '../runtime/contexts.js';
import type { PluginHost } from '../runtime/plugin-host.js';
import { hookRecord } from './engine.js';
import type { OciContainer } from './store.js';

export type OciStep = 'cgroups' | 'rootfs' | 'network';

export async function teardown(host: PluginHost, kernel: Kernel, c: OciContainer, stateDir: string, steps: ReadonlySet<OciStep> = new Set(['cgroups', 'rootfs', 'network'])): Promise<Error[]> {
  const record = hookRecord(c);
  const errors: Error[] = [];
  const attempt = async (run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const pid = c.pid;
  if (steps.has('cgroups')) await attempt(() => host.hooks.releaseCgroups.promise(hookContext(record, stateDir, kernel, { pid, errors })));
  if (steps.has('rootfs')) await attempt(() => host.hooks.releaseRootfs.promise(hookContext(record, stateDir, kernel, { rootfs: c.engine.rootfs, remove: true, removeVolumes: false, errors })));
  if (steps.has('network')) await attempt(() => host.hooks.teardownNetwork.promise(hookContext(record, stateDir, kernel, { pid, errors })));
  return errors;
}
