// What commands use of the built-in plugins outside a container's lifecycle, found by what each
// plugin object provides: usage for `stats` (hooks/stats.ts, the cgroups plugin) and the volumes
// for `volume ...` (hooks/volumes.ts, the volumes plugin). The CLI reaches plugins only here, and
// only through those interfaces. Runs in the CLI's process; loads no plugin's setup code.
import { providesStats, type ContainerStats } from '../../hooks/stats.js';
import { providesVolumes, type Volumes } from '../../hooks/volumes.js';
import type { PluginState } from '../../hooks/index.js';
import { builtinPlugins } from '../../plugins/index.js';

/** A running container's usage, read by the first built-in plugin that saved state it can read. */
export function containerStats(pluginState: Readonly<Record<string, PluginState | undefined>>): ContainerStats | null {
  for (const plugin of builtinPlugins) {
    const state = pluginState[plugin.name];
    if (state === undefined || !providesStats(plugin)) continue;
    const stats = plugin.readStats(state);
    if (stats !== null) return stats;
  }
  return null;
}

/** The state root's volumes, from the built-in plugin that keeps them. */
export function rootVolumes(root: string): Promise<Volumes> {
  const provider = builtinPlugins.find(providesVolumes);
  if (!provider) throw new Error('no built-in plugin provides volumes');
  return provider.volumes(root);
}
