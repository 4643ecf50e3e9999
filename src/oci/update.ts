// `mydocker-runc update --resources FILE|- ID`: new limits (LinuxResources JSON) written to a
// created or running container's groups, by the cgroups plugin's driver (its `create` writes limits
// onto groups that exist). Merged with those the container had, which the saved options keep.
import { MydockerError } from '../errors.js';
import { CGROUPS_PLUGIN, hostCgroups, hostResources, type CgroupState } from '../../plugins/cgroups/index.js';
import { parseLimits } from '../../plugins/cgroups/limits.js';
import type { DeviceRule } from '../../hooks/index.js';
import { parseResourcesFile } from './config.js';
import { limitOptions } from './launch-plan.js';
import { statusNow, type OciStore } from './store.js';

export function updateContainer(store: OciStore, id: string, text: string, source: string): void {
  const container = store.get(id);
  if (statusNow(container) === 'stopped') throw new MydockerError('cannot update a stopped container', { exitCode: 1 });
  const given = limitOptions(parseResourcesFile(text, source));
  const paths = (container.engine.pluginState[CGROUPS_PLUGIN] as Partial<CgroupState> | undefined)?.paths;
  if (paths === undefined) throw new MydockerError('the container has no cgroups to update', { exitCode: 1 });
  const options = { ...container.engine.options, ...given };
  let limits;
  try {
    limits = parseLimits(options, hostResources());
  } catch (error) {
    throw new MydockerError(`${source}: ${(error as Error).message}`, { exitCode: 1 });
  }
  // Device rules only when the update has some: none means "as they are".
  const rules = Array.isArray(given.deviceRules) ? (given.deviceRules as unknown as DeviceRule[]) : [];
  hostCgroups().driver.create(paths, limits, rules);
  container.engine.options = options;
  store.save(container);
}
