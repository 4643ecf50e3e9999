// Volume drivers: what keeps the volumes `mydocker volume ...` manages. A plugin registers one with
// `api.registerVolumeDriver(driver)`; the built-in volumes plugin registers "local" (its store under
// <root>/volumes), and `volume create --driver NAME` picks another. Called in the CLI's process
// (or a script's), outside any hook.
import type { PluginState } from './container.js';

export interface VolumeInfo {
  readonly name: string;
  /** Host path of the volume's data: what containers mount. */
  readonly mountpoint: string;
  readonly createdAt: string;
  /** Made for one container's `-v /ctr`; removed with it by `rm -v` and `--rm`. */
  readonly anonymous: boolean;
}

export type VolumeErrorReason = 'invalid-name' | 'not-found' | 'in-use';

/**
 * A refusal the CLI reports as the user's error (exit 1), as Docker does for its volume commands.
 * Recognised by its `name` ('VolumeError'), so a driver loaded with its own copy of this file works.
 */
export class VolumeError extends Error {
  constructor(
    message: string,
    readonly reason: VolumeErrorReason,
  ) {
    super(message);
    this.name = 'VolumeError';
  }
}

/** What a container record shows of itself: enough to tell which volumes it uses. */
export interface VolumeUser {
  name: string;
  pluginState: Record<string, PluginState | undefined>;
}

export interface VolumeDriver {
  /** What `volume create --driver NAME` names, and `volume ls` shows; "local" is the built-in's. */
  readonly name: string;
  /** The volume of that name, made now if it does not exist; a name of the driver's choosing when none is given. */
  create(name?: string): Promise<VolumeInfo>;
  /** The volume of that name, or null. */
  get(name: string): Promise<VolumeInfo | null>;
  /** Every volume this driver keeps, by name. */
  list(): Promise<VolumeInfo[]>;
  /** Deletes a volume and its data; the core checks `usedBy` first. */
  remove(name: string): Promise<void>;
  /**
   * The containers (by name) that were given this volume, running or not: `volume rm` refuses while
   * there are any. Without it, the core considers the driver's volumes unused.
   */
  usedBy?(containers: Iterable<VolumeUser>, name: string): string[];
}
