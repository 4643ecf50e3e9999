// Storage drivers: what gives a container its copy-on-write root (the built-ins are overlay and
// aufs, in plugins/). A plugin registers one with `api.registerStorageDriver`; a run chooses it with
// `--storage-driver NAME`. Types only.
import type { ContainerInfo, PluginState } from './container.js';
import type { Kernel } from './kernel.js';

/** The context a storage driver's methods receive. */
export interface StorageContext {
  readonly container: ContainerInfo;
  readonly state: PluginState;
  readonly kernel: Kernel;
  /** Host paths of the image's read-only layers, top layer first. */
  readonly layers: readonly string[];
  /** A directory the driver owns for this container (under the state root). */
  readonly dir: string;
}

/**
 * How a driver writes a deletion in the container's own layer: overlayfs's way (a character device
 * 0/0 per deleted file, the xattr trusted.overlay.opaque=y on a replaced directory) or aufs's
 * (`.wh.NAME` files, `.wh..wh..opq`). `commit` turns either into Docker's layer format.
 */
export type WhiteoutFormat = 'overlay' | 'aufs';

/**
 * A storage driver gives a container its copy-on-write root. Chosen per run with
 * `--storage-driver NAME`; registered by a plugin with `api.registerStorageDriver`.
 */
export interface StorageDriver {
  readonly name: string;
  /** Why this driver cannot work on this host (e.g. the kernel lacks the filesystem), or null. */
  unsupportedReason(): string | null;
  /** Mount the container's root and return its host path. Called on every start. */
  mount(ctx: StorageContext): Promise<string>;
  /** Unmount it, keeping the container's files. Idempotent. */
  unmount(ctx: StorageContext): Promise<void>;
  /** Delete the container's own layer. Called after unmount when the container is removed. */
  remove(ctx: StorageContext): Promise<void>;
  /**
   * Where the container's own changes are, and how deletions are written there: what `commit`
   * reads, whether the root is mounted or not. Only computes paths (`ctx.layers` is empty here).
   */
  changes(ctx: StorageContext): { dir: string; whiteouts: WhiteoutFormat };
}
