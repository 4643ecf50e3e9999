// What a plugin is and what its apply() receives: the hooks to tap, the registries (storage,
// network and volume drivers, stats providers, inspect sections), the state root's networks.
// A plugin module's default export is a Plugin (or a function returning one).
import type { LifecycleHooks } from './lifecycle.js';
import type { NetworkDriver, Networks } from './network-driver.js';
import type { StorageDriver } from './storage-driver.js';
import type { VolumeDriver, Volumes } from './volumes.js';
import type { StatsProvider } from './stats.js';
import type { InspectFields } from './inspect.js';

/** What a plugin's `apply` receives. */
export interface PluginApi {
  readonly hooks: LifecycleHooks;
  registerStorageDriver(driver: StorageDriver): void;
  registerNetworkDriver(driver: NetworkDriver): void;
  /** Adds a volume driver, chosen with `volume create --driver NAME` ("local" is the built-in's). */
  registerVolumeDriver(driver: VolumeDriver): void;
  /** The registered volume drivers and their volumes (what the volumes plugin mounts from). */
  readonly volumes: Volumes;
  /** Adds a source of `mydocker stats` numbers; providers are asked in order, the first non-null wins. */
  registerStatsProvider(provider: StatsProvider): void;
  /** Adds fields to the top-level key `section` of every container's `inspect` output. */
  registerInspectSection(section: string, fields: InspectFields): void;
  /** The state root's networks, their drivers and address management (what network plugins need). */
  readonly networks: Networks;
  /** The state root this runtime works in (images, containers). */
  readonly root: string;
  /** The directory of mydocker's native programs (dist/shim: the port proxy, the shim). */
  readonly shimDir: string;
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
