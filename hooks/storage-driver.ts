// Storage drivers: what gives a container its copy-on-write root (the built-ins are overlay and
// aufs, in plugins/). A plugin registers one with `api.registerStorageDriver`; a run chooses it with
// `--storage-driver NAME`. Types only.
import type { Stats } from 'node:fs';
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
  /**
   * The container's own layer is deleted when it ends (`--rm`): nothing of it need survive a host
   * crash, so a driver may skip syncing it (overlayfs's `volatile`). Absent: false.
   */
  readonly throwaway?: boolean;
}

/**
 * How a driver writes a deletion in the container's own layer: overlayfs's way (a character device
 * 0/0 per deleted file, the xattr trusted.overlay.opaque=y on a replaced directory), aufs's
 * (`.wh.NAME` files, `.wh..wh..opq`), or a driver's own, described by `WhiteoutRules`. `commit`
 * turns each into Docker's layer format.
 */
export type WhiteoutFormat = 'overlay' | 'aufs' | WhiteoutRules;

/**
 * A driver's own way of writing deletions, as `commit` asks about each entry of the changes
 * directory (host paths; the entry's lstat is given). Entries that are neither deletions nor the
 * driver's own bookkeeping are the container's files, copied as they are.
 */
export interface WhiteoutRules {
  /** The name of the file in the layers below that this entry deletes, or null if it deletes nothing. */
  deletes(entry: string, stat: Stats): string | null;
  /** Whether this directory replaces the one of its path in the layers below (hides all it held). */
  opaque(dir: string): boolean;
  /** An entry that is the driver's bookkeeping, not the container's: left out of the commit. */
  internal?(entry: string, stat: Stats): boolean;
}

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
