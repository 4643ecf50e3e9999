// What the runtime's subject modules (containers.ts, images.ts, networks.ts, volumes.ts) get from the Runtime
// they serve: its state root and stores, its kernel, its plugins loaded on demand, and what a
// container's run and end need. Types only: no command loads this module.
import type { Kernel, Plugin } from '../../hooks/index.js';
import type { ContainerStore } from '../container/store.js';
import type { ImageStore } from '../image/store.js';
import type { StateRoot } from '../state-root.js';
import type { PluginHost } from './plugin-host.js';
import type { RunDeps } from './run.js';

export interface RuntimeInternals {
  readonly root: StateRoot;
  readonly containers: ContainerStore;
  readonly images: ImageStore;
  readonly kernel: Kernel;
  /** The plugin host, with every plugin applied (loaded on first use). */
  host(): Promise<PluginHost>;
  /** Adds a plugin, an object or a file (Runtime.use). */
  use(plugin: Plugin | string): Promise<void>;
  /** The users' plugin files loaded so far, recorded in new containers and networks. */
  readonly userPluginFiles: readonly string[];
  /** What running, starting, ending and removing a container need (loads the plugins). */
  runDeps(): Promise<RunDeps>;
}
