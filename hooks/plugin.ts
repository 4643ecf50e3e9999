// What a plugin is and what its apply() receives: the hooks to tap, the driver registries, the
// state root's networks. A plugin module's default export is a Plugin (or a function returning one).
import type { LifecycleHooks } from './lifecycle.js';
import type { NetworkDriver, Networks } from './network-driver.js';
import type { StorageDriver } from './storage-driver.js';

/** What a plugin's `apply` receives. */
export interface PluginApi {
  readonly hooks: LifecycleHooks;
  registerStorageDriver(driver: StorageDriver): void;
  registerNetworkDriver(driver: NetworkDriver): void;
  /** The state root's networks, their drivers and address management (what network plugins need). */
  readonly networks: Networks;
  /** The state root this runtime works in (images, containers). */
  readonly root: string;
}

export interface Plugin {
  /** Shown in errors and traces; built-ins are prefixed `mydocker:`. */
  readonly name: string;
  apply(api: PluginApi): void | Promise<void>;
}

/** Identity helper that gives a plugin object its types. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}
