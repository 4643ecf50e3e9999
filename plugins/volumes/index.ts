// Built-in plugin "mydocker:volumes": `-v` bind mounts, named and anonymous volumes.
//   checkOptions  (`run` process, before anything exists): refuses a bad spec, so nothing is made.
//   prepareRootfs (`run`/`start` process, host side, before the container's namespaces exist):
//                 mounts each volume into the container's root (see mounts.ts).
//   releaseRootfs (whichever process releases the container: `run`, `rm`, `cleanup`): unmounts
//                 them, newest first; with removeVolumes, deletes the container's anonymous volumes.
//   volume driver "local": the root's volumes (store.ts) for `mydocker volume ...` (hooks/volumes.ts).
// Every command that runs hooks loads this file: the mounting code and the store are loaded only
// when needed.
import type { JsonValue, Plugin, PluginState, VolumeDriver } from '../../hooks/index.js';
import { parseVolumeSpecs } from './spec.js';
import { VOLUMES_PLUGIN, containersUsing } from './state.js';

const volumesPlugin: Plugin = {
  name: VOLUMES_PLUGIN,
  apply(api) {
    const load = async () => {
      const work = await import('./mounts.js');
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
    api.registerVolumeDriver(localDriver(api.root));
  },
};

export default volumesPlugin;

/** Docker's "local" driver: the volumes under <root>/volumes (store.ts, loaded on the first call). */
function localDriver(root: string): VolumeDriver {
  const store = async () => {
    const { VolumeStore, randomVolumeName } = await import('./store.js');
    return { store: new VolumeStore(root), randomVolumeName };
  };
  return {
    name: 'local',
    create: async (name) => {
      const { store: s, randomVolumeName } = await store();
      return s.ensure(name ?? randomVolumeName()).volume;
    },
    get: async (name) => (await store()).store.get(name),
    list: async () => (await store()).store.list(),
    remove: async (name) => (await store()).store.remove(name),
    // Whoever the driver, the containers given a volume are those whose `-v` this plugin mounted.
    usedBy: (containers, name) => containersUsing(containers, name),
  };
}

function isNonEmptyList(value: JsonValue | undefined): boolean {
  return Array.isArray(value) && value.length > 0;
}

function hasAnonymous(state: PluginState): boolean {
  const anonymous = state.anonymous;
  return typeof anonymous === 'object' && anonymous !== null && Object.keys(anonymous).length > 0;
}
