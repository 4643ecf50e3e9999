// A state root's volumes as `mydocker volume ...` manages them, and how a plugin provides them: a
// plugin object with a `volumes` member (the built-in volumes plugin, its "local" store under
// <root>/volumes). Used in the CLI's process, outside any hook.
import type { Plugin, PluginState } from './index.js';

export interface VolumeInfo {
  readonly name: string;
  /** Host path of the volume's data: what containers mount. */
  readonly mountpoint: string;
  readonly createdAt: string;
  /** Made for one container's `-v /ctr`; removed with it by `rm -v` and `--rm`. */
  readonly anonymous: boolean;
}

export type VolumeErrorReason = 'invalid-name' | 'not-found' | 'in-use';

/** A refusal the CLI reports as the user's error (exit 1), as Docker does for its volume commands. */
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

export interface Volumes {
  /** The volume of that name, made now if it does not exist; a random name when none is given. */
  create(name?: string): VolumeInfo;
  get(name: string): VolumeInfo | null;
  /** Every volume, by name. */
  list(): VolumeInfo[];
  /** Deletes a volume and its data; the caller checks first that no container uses it. */
  remove(name: string): void;
  /** The containers (by name) that were given this volume, running or not. */
  usedBy(containers: Iterable<VolumeUser>, name: string): string[];
}

export interface VolumesProvider {
  /** The volumes of the state root `root`. */
  volumes(root: string): Promise<Volumes>;
}

export function providesVolumes(plugin: Plugin): plugin is Plugin & VolumesProvider {
  return typeof (plugin as Partial<VolumesProvider>).volumes === 'function';
}
