// The volumes plugin's work, loaded only by a container that has volumes (a `run` without -v pays
// nothing for it). prepareVolumes runs in the `run`/`start` process, host side, before the
// container's namespaces exist: it makes each volume's source, a mount point inside the root, and
// the bind mount, which is copied into the container's mount namespace when that is created.
// releaseVolumes runs wherever the container is released (`run`, `rm`, `cleanup`): it unmounts the
// host's copies, newest first, and with removeVolumes deletes the container's anonymous volumes.
// Bind-mounted host data and named volumes are never deleted.
import * as fs from 'node:fs';
import { MS, type RootfsContext, type RootfsReleaseContext } from '../../hooks/index.js';
import { makeMountPoint, unmountPinned, withPinnedPath, type MountPointKind } from '../../hooks/in-root.js';
import { mountFlags } from './mount-flags.js';
import { mountOrder, parseVolumeSpecs, type VolumeSpec } from './spec.js';
import { volumesState, type VolumesState } from './state.js';
import { VolumeStore, randomVolumeName } from './store.js';

export interface VolumesDeps {
  store: VolumeStore;
  /** The per-mount flags of a mount point (tests pass their own: a fake kernel mounts nothing). */
  mountFlags(mountPoint: string): number;
}

export async function prepareVolumes(ctx: RootfsContext, deps: VolumesDeps): Promise<void> {
  const state = volumesState(ctx.state);
  for (const spec of mountOrder(parseVolumeSpecs(ctx.container.options.volumes))) {
    const source = sourceOf(spec, state, deps.store);
    const kind: MountPointKind = fs.statSync(source).isDirectory() ? 'directory' : 'file';
    const target = makeMountPoint(ctx.rootfs, spec.target, kind);
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
  for (let i = state.mounts.length - 1; i >= 0; i--) {
    try {
      unmountPinned(ctx.kernel, state.mounts[i]!);
      state.mounts.splice(i, 1);
    } catch (error) {
      ctx.errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  // Data still mounted somewhere is not deleted under the container's feet; `rm` can be retried.
  if (!ctx.removeVolumes || state.mounts.length > 0) return;
  for (const [target, name] of Object.entries(state.anonymous)) {
    try {
      // Only a volume its metadata calls anonymous: a named volume is never deleted with a container.
      if (deps.store.get(name)?.anonymous === true) deps.store.remove(name);
      delete state.anonymous[target];
      state.names = state.names.filter((n) => n !== name);
    } catch (error) {
      ctx.errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** The host path to mount for a spec, made if missing (Docker creates a missing host directory). */
function sourceOf(spec: VolumeSpec, state: VolumesState, store: VolumeStore): string {
  const use = (name: string): void => {
    // Recorded before the volume is made: `volume rm` sees it in use, and an anonymous one made by
    // a run that then fails is deleted with that run (releaseRootfs with removeVolumes).
    if (!state.names.includes(name)) state.names.push(name);
  };
  switch (spec.kind) {
    case 'bind':
      if (!fs.existsSync(spec.source)) fs.mkdirSync(spec.source, { recursive: true, mode: 0o755 });
      return spec.source;
    case 'named':
      use(spec.name);
      return store.ensure(spec.name).volume.mountpoint;
    case 'anonymous': {
      // A restarted container gets the anonymous volume it had.
      const name = (state.anonymous[spec.target] ??= randomVolumeName());
      use(name);
      return store.ensure(name, { anonymous: true }).volume.mountpoint;
    }
  }
}

/** The real dependencies, for a state root. */
export function volumesDeps(root: string): VolumesDeps {
  return { store: new VolumeStore(root), mountFlags: (p) => mountFlags(p) };
}
