// Built-in plugin "mydocker:volumes": `-v` bind mounts, named and anonymous volumes.
//   checkOptions  (`run` process, before anything exists): refuses a bad spec, so nothing is made.
//   prepareRootfs (`run`/`start` process, host side, before the container's namespaces exist):
//                 mounts each volume into the container's root (see volume-mounts.ts).
//   releaseRootfs (whichever process releases the container: `run`, `rm`, `cleanup`): unmounts
//                 them, newest first; with removeVolumes, deletes the container's anonymous volumes.
// Every command that runs hooks loads this file: the mounting code is loaded only when needed.
import { definePlugin, type JsonValue, type PluginState } from '../hooks/index.js';
import { parseVolumeSpecs } from './volume-spec.js';
import { VOLUMES_PLUGIN } from './volume-state.js';

export default definePlugin({
  name: VOLUMES_PLUGIN,
  apply(api) {
    const load = async () => {
      const work = await import('./volume-mounts.js');
      return { work, deps: work.volumesDeps(api.root) };
    };
    api.hooks.checkOptions.tap(VOLUMES_PLUGIN, (ctx) => {
      parseVolumeSpecs(ctx.options.volumes);
    });
    api.hooks.prepareRootfs.tapPromise(VOLUMES_PLUGIN, async (ctx) => {
      if (!isNonEmptyList(ctx.container.options.volumes)) return;
      const { work, deps } = await load();
      await work.prepareVolumes(ctx, deps);
    });
    api.hooks.releaseRootfs.tapPromise(VOLUMES_PLUGIN, async (ctx) => {
      if (!isNonEmptyList(ctx.state.mounts) && !(ctx.removeVolumes && hasAnonymous(ctx.state))) return;
      const { work, deps } = await load();
      await work.releaseVolumes(ctx, deps);
    });
  },
});

function isNonEmptyList(value: JsonValue | undefined): boolean {
  return Array.isArray(value) && value.length > 0;
}

function hasAnonymous(state: PluginState): boolean {
  const anonymous = state.anonymous;
  return typeof anonymous === 'object' && anonymous !== null && Object.keys(anonymous).length > 0;
}
