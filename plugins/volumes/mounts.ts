// The volumes plugin's work, loaded only by a container that has volumes (a `run` without -v pays
// nothing for it). prepareVolumes runs in the `run`/`start` process, host side, before the
// container's namespaces exist: it gets each volume from its driver (the one that has it, else
// `--volume-driver`'s, else "local"), makes a mount point inside the root, and binds the volume's
// host path there (a fresh volume first filled with what the image has there: copy-up.ts); the
// mount is copied into the container's mount namespace when that is created.
// releaseVolumes runs wherever the container is released (`run`, `rm`, `cleanup`): it unmounts the
// host's copies, newest first, calls the drivers' `unmount`, and with removeVolumes deletes the
// container's anonymous volumes. Bind-mounted host data and named volumes are never deleted.
import * as fs from 'node:fs';
import { MS, type RootfsContext, type RootfsReleaseContext, type VolumeDriver, type Volumes } from '../../hooks/index.js';
import { makeMountPoint, unmountPinned, withPinnedPath, type MountPointKind } from '../../hooks/in-root.js';
import { LOCAL_DRIVER } from './local-driver.js';
import { mountFlags } from './mount-flags.js';
import { mountOrder, parseVolumeSpecs, type VolumeSpec } from './spec.js';
import { volumesState, type VolumesState } from './state.js';
import { randomVolumeName } from './store.js';
import { copyUp } from './copy-up.js';

export interface VolumesDeps {
  /** The registered volume drivers (api.volumes). */
  volumes: Volumes;
  /** The per-mount flags of a mount point (tests pass their own: a fake kernel mounts nothing). */
  mountFlags(mountPoint: string): number;
}

export async function prepareVolumes(ctx: RootfsContext, deps: VolumesDeps): Promise<void> {
  const state = volumesState(ctx.state);
  const newVolumes = typeof ctx.container.options.volumeDriver === 'string' ? ctx.container.options.volumeDriver : LOCAL_DRIVER;
  for (const spec of mountOrder(parseVolumeSpecs(ctx.container.options.volumes))) {
    const source = await sourceOf(spec, state, { ...deps, newVolumes, containerId: ctx.container.id });
    const kind: MountPointKind = fs.statSync(source).isDirectory() ? 'directory' : 'file';
    const target = makeMountPoint(ctx.rootfs, spec.target, kind);
    // A fresh volume where the image has files starts with them, as Docker's (never a bind mount).
    if (spec.kind !== 'bind' && kind === 'directory') copyUp(target, source);
    // Saved before the mount is attempted: if this or a later one fails, releaseRootfs (which the
    // core runs on failure) unmounts everything made so far, and tolerates this one not being there.
    state.mounts.push(target);
    withPinnedPath(target, kind, (at) => ctx.kernel.mount(source, at, null, MS.BIND | MS.REC, null));
    // Docker's default for binds: events under the host path do not propagate into the container's.
    withPinnedPath(target, kind, (at) => ctx.kernel.mount(null, at, null, MS.REC | MS.PRIVATE, null));
    if (spec.readonly) {
      const keep = deps.mountFlags(target) & (MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME);
      withPinnedPath(target, kind, (at) => ctx.kernel.mount(null, at, null, MS.REMOUNT | MS.BIND | MS.RDONLY | MS.REC | keep, null));
    }
  }
}

export async function releaseVolumes(ctx: RootfsReleaseContext, deps: VolumesDeps): Promise<void> {
  const state = volumesState(ctx.state);
  const failed = (error: unknown): void => {
    ctx.errors.push(error instanceof Error ? error : new Error(String(error)));
  };
  for (let i = state.mounts.length - 1; i >= 0; i--) {
    try {
      unmountPinned(ctx.kernel, state.mounts[i]!);
      state.mounts.splice(i, 1);
    } catch (error) {
      failed(error);
    }
  }
  // The drivers' side only once the container's binds are gone: their data is no longer in use.
  if (state.mounts.length > 0) return;
  for (let i = state.driverMounts.length - 1; i >= 0; i--) {
    const name = state.driverMounts[i]!;
    try {
      await driverOf(name, state, deps.volumes).unmount?.(name, ctx.container.id);
      state.driverMounts.splice(i, 1);
    } catch (error) {
      failed(error);
    }
  }
  // Data still in use by a driver's mount is not deleted under it; `rm` can be retried.
  if (!ctx.removeVolumes || state.driverMounts.length > 0) return;
  for (const [target, name] of Object.entries(state.anonymous)) {
    try {
      const driver = driverOf(name, state, deps.volumes);
      // Only a volume its driver calls anonymous: a named volume is never deleted with a container.
      if ((await driver.get(name))?.anonymous === true) await driver.remove(name);
      delete state.anonymous[target];
      delete state.drivers[name];
      state.names = state.names.filter((n) => n !== name);
    } catch (error) {
      failed(error);
    }
  }
}

interface SourceDeps extends VolumesDeps {
  /** The driver that makes a volume no driver has yet. */
  newVolumes: string;
  containerId: string;
}

/** The host path to mount for a spec, made if missing (Docker creates a missing host directory). */
async function sourceOf(spec: VolumeSpec, state: VolumesState, deps: SourceDeps): Promise<string> {
  switch (spec.kind) {
    case 'bind':
      if (!fs.existsSync(spec.source)) fs.mkdirSync(spec.source, { recursive: true, mode: 0o755 });
      return spec.source;
    case 'named': {
      const found = state.drivers[spec.name] === undefined ? await deps.volumes.find(spec.name) : null;
      const driver = use(spec.name, state, found?.driver.name ?? deps.newVolumes, deps.volumes);
      const volume = found?.volume ?? (await driver.get(spec.name)) ?? (await driver.create(spec.name));
      return mountpoint(driver, volume.mountpoint, spec.name, state, deps.containerId);
    }
    case 'anonymous': {
      // A restarted container gets the anonymous volume it had.
      const name = (state.anonymous[spec.target] ??= randomVolumeName());
      const driver = use(name, state, deps.newVolumes, deps.volumes);
      const volume = (await driver.get(name)) ?? (await driver.create(name, { anonymous: true }));
      return mountpoint(driver, volume.mountpoint, name, state, deps.containerId);
    }
  }
}

/**
 * Records that the container uses the volume, and through which driver, before the volume is asked
 * for: `volume rm` sees it in use, and an anonymous one made by a run that then fails is deleted
 * with that run (releaseRootfs with removeVolumes), by the driver that made it.
 */
function use(name: string, state: VolumesState, driverName: string, volumes: Volumes): VolumeDriver {
  const driver = volumes.driver(state.drivers[name] ?? driverName);
  state.drivers[name] = driver.name;
  if (!state.names.includes(name)) state.names.push(name);
  return driver;
}

/** Where the volume's data is on the host for this container: the driver's `mount`, when it has one. */
async function mountpoint(driver: VolumeDriver, path: string, name: string, state: VolumesState, containerId: string): Promise<string> {
  if (!driver.mount) return path;
  // Saved first: a failure from here on still gets its `unmount` (which must tolerate no mount).
  if (!state.driverMounts.includes(name)) state.driverMounts.push(name);
  return driver.mount(name, containerId);
}

function driverOf(name: string, state: VolumesState, volumes: Volumes): VolumeDriver {
  return volumes.driver(state.drivers[name] ?? LOCAL_DRIVER);
}

/** The real dependencies, for the registered drivers. */
export function volumesDeps(volumes: Volumes): VolumesDeps {
  return { volumes, mountFlags: (p) => mountFlags(p) };
}
