// An OCI container's user namespace seen from the host: its uid_map and gid_map text, and the
// container's ids as host ids. The host's root makes the container's device nodes and mounts its
// file systems (the runtime cannot enter a user namespace: it has threads), so the ids a config
// gives for those (a device's uid, devpts's gid=5) are the container's and must be written as the
// host ids they map to, or the container would see them as nobody (65534). Pure.
import { MydockerError } from '../errors.js';
import type { IdMapping } from './config.js';

/** The text written to /proc/<pid>/uid_map or gid_map: one "inside outside size" line each. */
export function formatIdMap(maps: readonly IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** The host id of a container id, or null when the mappings leave it out. */
export function hostId(maps: readonly IdMapping[], id: number): number | null {
  const map = maps.find((m) => id >= m.containerID && id < m.containerID + m.size);
  return map === undefined ? null : map.hostID + (id - map.containerID);
}

export interface UserMaps {
  uid: readonly IdMapping[];
  gid: readonly IdMapping[];
}

/** A container id that must be mapped (a device's owner): its host id, or one clear error. */
export function requireHostId(maps: readonly IdMapping[], id: number, what: string): number {
  const host = hostId(maps, id);
  if (host === null) throw new MydockerError(`config.json: ${what} is ${id}, which the user namespace's mappings leave out`, { hint: 'map that id in linux.uidMappings / linux.gidMappings' });
  return host;
}

/** File systems whose uid=/gid= options name an owner (read in the mounter's user namespace: the host's). */
const OWNER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  tmpfs: ['uid', 'gid'],
  devpts: ['uid', 'gid'],
};

/**
 * A mount's data with its uid= and gid= as host ids. A tmpfs without them gets the container's
 * root as owner, as when the container's root mounts it itself (runc's way), so that it can write
 * in its own /dev and /dev/shm.
 */
export function mountDataForHost(fstype: string | null, data: string | null, maps: UserMaps, destination: string): string | null {
  const keys = fstype === null ? undefined : OWNER_OPTIONS[fstype];
  if (keys === undefined) return data;
  const options = data === null || data === '' ? [] : data.split(',');
  const out = options.map((option) => {
    const [key, value] = option.split('=', 2) as [string, string | undefined];
    if (!keys.includes(key) || value === undefined || !/^\d+$/.test(value)) return option;
    return `${key}=${requireHostId(key === 'uid' ? maps.uid : maps.gid, Number(value), `the ${key}= of the mount on ${destination}`)}`;
  });
  if (fstype === 'tmpfs') {
    const root = { uid: hostId(maps.uid, 0), gid: hostId(maps.gid, 0) };
    for (const key of ['uid', 'gid'] as const) {
      if (root[key] !== null && !options.some((o) => o.startsWith(`${key}=`))) out.push(`${key}=${root[key]}`);
    }
  }
  return out.length === 0 ? null : out.join(',');
}
