// What the volumes plugin saves with each container (its pluginState entry), and who reads it:
// the plugin's own releaseRootfs (in `run`, `rm` or `cleanup`) and `mydocker volume rm`, which
// refuses a volume that any existing container, running or not, was given.
import type { JsonValue, PluginState } from '../../hooks/index.js';

export const VOLUMES_PLUGIN = 'mydocker:volumes';

export interface VolumesState {
  /** Host paths of the mounts made, oldest first; each is saved before its mount is attempted. */
  mounts: string[];
  /** Every volume (named or anonymous) the container uses. */
  names: string[];
  /** Anonymous volumes by target: a restarted container gets the same one back, `rm -v` deletes them. */
  anonymous: Record<string, string>;
  /** The driver of each volume (by volume name), saved before the volume is asked for. */
  drivers: Record<string, string>;
  /** Volumes whose driver's `mount` was called for this container, oldest first: each needs its `unmount`. */
  driverMounts: string[];
}

/** The saved state as typed lists, repaired in place when missing: mutations land in `state`. */
export function volumesState(state: PluginState): VolumesState {
  if (!isStringList(state.mounts)) state.mounts = [];
  if (!isStringList(state.names)) state.names = [];
  if (!isStringRecord(state.anonymous)) state.anonymous = {};
  if (!isStringRecord(state.drivers)) state.drivers = {};
  if (!isStringList(state.driverMounts)) state.driverMounts = [];
  return state as unknown as VolumesState;
}

function isStringRecord(value: JsonValue | undefined): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** The containers (by name) whose saved state names this volume. */
export function containersUsing(records: Iterable<{ name: string; pluginState: Record<string, PluginState | undefined> }>, volume: string): string[] {
  const users: string[] = [];
  for (const record of records) {
    const names = record.pluginState[VOLUMES_PLUGIN]?.names;
    if (isStringList(names) && names.includes(volume)) users.push(record.name);
  }
  return users;
}

function isStringList(value: JsonValue | undefined): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
