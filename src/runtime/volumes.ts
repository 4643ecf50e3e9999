// The runtime's volume methods (create, ls, inspect, rm), behind the Runtime facade, which loads this
// module on their first call. Volumes are kept by the volume drivers plugins register
// (hooks/volumes.ts): "local", the built-in volumes plugin's, unless `create` names another.
// A driver's refusal (a VolumeError: bad name, unknown volume) is the user's error: exit 1, as
// Docker's volume commands do.
import type { VolumeDriver, VolumeInfo } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import type { RuntimeInternals } from './internals.js';
import { unreadableContainer } from '../container/store.js';

/** A volume and the driver that keeps it. */
export interface VolumeDetails extends VolumeInfo {
  readonly driver: string;
}

/** `volume create [--driver NAME] [NAME]`: the volume, made now unless it exists. */
export async function createVolume(rt: RuntimeInternals, options: { name?: string | undefined; driver?: string | undefined }): Promise<VolumeDetails> {
  const driver = (await rt.host()).volumeDriver(options.driver ?? 'local');
  return details(driver, await userErrors(() => driver.create(options.name)));
}

/** Every driver's volumes, driver by driver in the order they were registered ("local" first). */
export async function listVolumes(rt: RuntimeInternals): Promise<VolumeDetails[]> {
  const out: VolumeDetails[] = [];
  for (const driver of (await rt.host()).allVolumeDrivers()) {
    for (const volume of await userErrors(() => driver.list())) out.push(details(driver, volume));
  }
  return out;
}

/** The volume of that name, from the first driver that has one; null if none has. */
export async function inspectVolume(rt: RuntimeInternals, name: string): Promise<VolumeDetails | null> {
  const found = await find(rt, name);
  return found && details(found.driver, found.volume);
}

/** `volume rm NAME`: refused while a container, even a stopped one, was given the volume. */
export async function removeVolume(rt: RuntimeInternals, name: string): Promise<void> {
  const found = await find(rt, name);
  if (!found) throw new MydockerError(`no such volume: ${name}`, { exitCode: 1 });
  // Stopped containers count: starting one again mounts the volume again (as in Docker).
  const { records, broken } = rt.containers.scan();
  // One whose record cannot be read may be using it: the volume stays until that one is removed.
  const users = [...(await rt.host()).volumes.usedBy(found.driver, records, name), ...broken.map(unreadableContainer)];
  if (users.length > 0) {
    throw new MydockerError(`volume ${name} is in use by container ${users.join(', ')}`, { exitCode: 1, hint: 'remove the container first' });
  }
  await userErrors(() => found.driver.remove(name));
}

async function find(rt: RuntimeInternals, name: string): Promise<{ driver: VolumeDriver; volume: VolumeInfo } | null> {
  const host = await rt.host();
  return userErrors(() => host.volumes.find(name));
}

function details(driver: VolumeDriver, volume: VolumeInfo): VolumeDetails {
  return { ...volume, driver: driver.name };
}

/** A driver's refusals are the user's errors. By name, not class: a plugin may hold its own copy of hooks/. */
async function userErrors<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (error instanceof Error && error.name === 'VolumeError') throw new MydockerError(error.message, { exitCode: 1, cause: error });
    throw error;
  }
}
