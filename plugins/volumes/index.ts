// Built-in plugin "mydocker:volumes": `-v` bind mounts, named and anonymous volumes.
//   checkOptions  (`run` process, before anything exists): refuses a bad spec or an unknown
//                 `--volume-driver`, so nothing is made.
//   prepareRootfs (`run`/`start` process, host side, before the container's namespaces exist):
//                 gets each volume from its driver and mounts it into the container's root (mounts.ts).
//   releaseRootfs (whichever process releases the container: `run`, `rm`, `cleanup`): unmounts
//                 them, newest first, tells their drivers; with removeVolumes, deletes the
//                 container's anonymous volumes.
//   volume driver "local": the root's volumes (store.ts) for `mydocker volume ...` and `-v`.
//   volume users: the containers whose `-v` named a volume, whichever driver keeps it (`volume rm`).
// Every command that runs hooks loads this file: the mounting code and the store are loaded only
// when needed.
import type { JsonValue, Plugin, PluginState } from '../../hooks/index.js';
import { LOCAL_DRIVER, localDriver } from './local-driver.js';
import { parseVolumeSpecs } from './spec.js';
import { VOLUMES_PLUGIN, containersUsing } from './state.js';

const volumesPlugin: Plugin = {
  name: VOLUMES_PLUGIN,
  apply(api) {
    const load = async () => {
      const work = await import('./mounts.js');
      return { work, deps: work.volumesDeps(api.volumes) };
    };
    api.hooks.checkOptions.tap(VOLUMES_PLUGIN, (ctx) => {
      parseVolumeSpecs(ctx.options.volumes);
      const driver = ctx.options.volumeDriver;
      if (driver === undefined) return;
      if (typeof driver !== 'string' || driver === '') throw new Error('--volume-driver needs a driver name');
      api.volumes.driver(driver); // an unknown driver is refused here, naming the ones there are
    });
    api.hooks.prepareRootfs.tapPromise(VOLUMES_PLUGIN, async (ctx) => {
      if (!isNonEmptyList(ctx.container.options.volumes)) return;
      const { work, deps } = await load();
      await work.prepareVolumes(ctx, deps);
    });
    api.hooks.releaseRootfs.tapPromise(VOLUMES_PLUGIN, async (ctx) => {
      if (!isNonEmptyList(ctx.state.mounts) && !isNonEmptyList(ctx.state.driverMounts) && !(ctx.removeVolumes && hasAnonymous(ctx.state))) return;
      const { work, deps } = await load();
      await work.releaseVolumes(ctx, deps);
    });
    api.registerVolumeDriver(
      localDriver(async () => {
        const { VolumeStore } = await import('./store.js');
        return new VolumeStore(api.root);
      }),
    );
    api.volumes.addUsers(containersUsing);
  },
};

export default volumesPlugin;
export { LOCAL_DRIVER };

function isNonEmptyList(value: JsonValue | undefined): boolean {
  return Array.isArray(value) && value.length > 0;
}

function hasAnonymous(state: PluginState): boolean {
  const anonymous = state.anonymous;
  return typeof anonymous === 'object' && anonymous !== null && Object.keys(anonymous).length > 0;
}
