// Docker's "local" volume driver: the volumes under <root>/volumes (store.ts, loaded on the first
// call, so a command that never touches a volume pays nothing for it).
import type { VolumeDriver } from '../../hooks/index.js';
import type { VolumeStore } from './store.js';

export const LOCAL_DRIVER = 'local';

export function localDriver(store: () => Promise<VolumeStore>): VolumeDriver {
  return {
    name: LOCAL_DRIVER,
    create: async (name, options) => {
      const { randomVolumeName } = await import('./store.js');
      return (await store()).ensure(name ?? randomVolumeName(), options).volume;
    },
    get: async (name) => (await store()).get(name),
    list: async () => (await store()).list(),
    remove: async (name) => (await store()).remove(name),
  };
}
