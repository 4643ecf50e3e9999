// Volume drivers: what keeps the volumes `mydocker volume ...` manages and `-v NAME:/path` mounts.
// A plugin registers one with `api.registerVolumeDriver(driver)`; the built-in volumes plugin
// registers "local" (its store under <root>/volumes). `volume create --driver NAME` and
// `run --volume-driver NAME` pick another; a volume that exists is used from the driver that has it.
// Called in the CLI's process (or a script's): by `volume ...` outside any hook, and by the volumes
// plugin's prepareRootfs and releaseRootfs (the `run`, `start`, `rm` processes).
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
  /**
   * The volume of that name, made now if it does not exist; a name of the driver's choosing when
   * none is given. `anonymous`: made for one container's `-v /ctr` (and removed with it).
   */
  create(name?: string, options?: { anonymous?: boolean }): Promise<VolumeInfo>;
  /** The volume of that name, or null. */
  get(name: string): Promise<VolumeInfo | null>;
  /** Every volume this driver keeps, by name. */
  list(): Promise<VolumeInfo[]>;
  /** Deletes a volume and its data; the core checks who uses it first (see `Volumes.usedBy`). */
  remove(name: string): Promise<void>;
  /**
   * Containers (by name) using this volume in a way only the driver knows, running or not: `volume
   * rm` refuses while there are any. The `-v` mounts of the volumes plugin are counted for every
   * driver already (it registers them with `api.volumes.addUsers`).
   */
  usedBy?(containers: Iterable<VolumeUser>, name: string): string[];
  /**
   * Makes the volume's data available to one container and returns the host path to bind into it
   * (Docker's volume plugin "Mount": e.g. mount a network file system on first use). Without it,
   * containers bind `mountpoint`. Called once per container start, before its namespaces exist.
   */
  mount?(name: string, containerId: string): Promise<string>;
  /**
   * The container no longer uses the volume (it stopped or is removed): the pair of `mount`.
   * Must tolerate being called again for the same container (a release is retried after a crash).
   */
  unmount?(name: string, containerId: string): Promise<void>;
}

/** The registered volume drivers, as plugins see them (`api.volumes`). */
export interface Volumes {
  /** The driver of that name; throws, naming the plugin to load, when none is registered. */
  driver(name: string): VolumeDriver;
  /** The volume of that name and its driver, asking each driver in the order registered ("local" first). */
  find(name: string): Promise<{ driver: VolumeDriver; volume: VolumeInfo } | null>;
  /**
   * Adds a source of which containers use a volume, whatever its driver (the volumes plugin adds
   * the containers its `-v` mounts were made for): `volume rm` refuses while any source names one.
   */
  addUsers(users: (containers: Iterable<VolumeUser>, name: string) => string[]): void;
  /** The containers that use the volume, by every source and by its driver's `usedBy`. */
  usedBy(driver: VolumeDriver, containers: Iterable<VolumeUser>, name: string): string[];
}
