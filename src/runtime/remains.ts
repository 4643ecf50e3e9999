// What is left of a container that has no readable record, removed by its ID alone: a run killed
// between reserving the name and writing the record, an `rm` killed while deleting the directory, a
// record lost some other way. Every teardown hook runs on a stand-in record (no options, no saved
// state): each plugin finds by the ID what it may have made (cgroups named after it, the veth and the
// rules named and tagged after it, addresses the IPAM holds for it), then the storage drivers'
// directories and mounts of the ID, then the files. Run by `rm` and `system check --fix`, under the
// container's lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerRecord } from '../container/record.js';
import { REMOVING_PREFIX } from '../container/store.js';
import { MydockerError, describe } from '../errors.js';
import { releaseContainer, type ReleaseDeps } from './release.js';

/** Whether anything of the container `id` is there to remove, files or storage. */
export function hasRemains(deps: ReleaseDeps, id: string): boolean {
  return (
    fs.existsSync(deps.containers.dir(id)) ||
    fs.existsSync(path.join(deps.root.tmp, `${REMOVING_PREFIX}${id}`)) ||
    deps.containers.names().some((n) => n.id === id) ||
    storageDriversWith(deps, id).length > 0
  );
}

/** Removes what is left of the container `id`; false when nothing was there. Throws when a teardown failed. */
export async function removeRemains(deps: ReleaseDeps, id: string): Promise<boolean> {
  if (!hasRemains(deps, id)) return false;
  const failures: Error[] = [];
  const drivers = storageDriversWith(deps, id);
  for (const driver of drivers.length > 0 ? drivers : [null]) {
    failures.push(...(await releaseContainer(deps, standIn(id, driver ?? 'overlay'), { remove: true, steps: driver === null ? ['cgroups', 'network'] : undefined })));
  }
  if (failures.length > 0) {
    throw new MydockerError(`could not fully remove what is left of container ${id.slice(0, 12)}: ${failures.map(describe).join('; ')}`, {
      hint: 'fix the cause and run rm again',
    });
  }
  deps.containers.deleteById(id);
  return true;
}

/** The storage drivers that have a directory for the ID. */
function storageDriversWith(deps: ReleaseDeps, id: string): string[] {
  return deps.host.storageDriverNames().filter((name) => fs.existsSync(path.join(deps.root.storage(name), id)));
}

function standIn(id: string, storageDriver: string): ContainerRecord {
  return {
    id,
    name: '',
    created: '',
    image: { ref: '', id: '' },
    command: [],
    env: [],
    workdir: '/',
    hostname: '',
    tty: false,
    interactive: false,
    autoRemove: false,
    storageDriver,
    options: {},
    plugins: [],
    rootfs: null,
    state: { status: 'exited', pid: null, pidStartTime: null, startedAt: null, finishedAt: null, exitCode: null },
    pluginState: {},
  };
}
