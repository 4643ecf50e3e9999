// Built-in storage driver "overlay" (the default): the image's layers as overlayfs lower dirs, the
// container's own upper dir, mounted on the host at <root>/storage/overlay/<id>/merged. The mount is
// copied into the container's mount namespace when it is created; releaseRootfs unmounts the host's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { definePlugin, type StorageContext, type StorageDriver } from '../../hooks/index.js';
import { ensureFilesystem, isMountPoint, unmountIfMounted } from './filesystems.js';

function dirs(ctx: StorageContext): { upper: string; work: string; merged: string } {
  return { upper: path.join(ctx.dir, 'upper'), work: path.join(ctx.dir, 'work'), merged: path.join(ctx.dir, 'merged') };
}

/** True if it made the directory (a restarted container keeps its own, chmods and all). */
function mkdirIfMissing(dir: string, mode: number): boolean {
  try {
    fs.mkdirSync(dir, { mode });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export const overlayDriver: StorageDriver = {
  name: 'overlay',
  // `modprobe overlay` only when /proc/filesystems lacks it: a fresh boot of a stock distribution.
  unsupportedReason: () => (ensureFilesystem('overlay') ? null : 'the kernel has no overlay filesystem (try: modprobe overlay)'),
  async mount(ctx) {
    const { upper, work, merged } = dirs(ctx);
    // Only root may enter the container's directory (and <root>/storage/overlay, if made now):
    // a local user must not reach the setuid programs of its layer. Inside the container none of
    // this shows: overlayfs checks the layers with the mounter's credentials.
    fs.mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
    // The upper directory's mode is the mode of the container's "/": 0755, whatever the umask.
    if (mkdirIfMissing(upper, 0o755)) fs.chmodSync(upper, 0o755);
    mkdirIfMissing(work, 0o700);
    mkdirIfMissing(merged, 0o700);
    // overlayfs separates options with ',' and lower dirs with ':'; the state root must avoid both.
    for (const p of [...ctx.layers, upper, work]) {
      if (/[,:]/.test(p)) throw new Error(`path ${p} contains ',' or ':', which overlayfs options cannot carry`);
    }
    const options = `lowerdir=${ctx.layers.join(':')},upperdir=${upper},workdir=${work}`;
    // A mount left by a start that was killed before it could record it: replaced, never stacked.
    if (isMountPoint(merged)) unmountIfMounted(ctx.kernel, merged);
    ctx.kernel.mount('overlay', merged, 'overlay', 0, options);
    ctx.state.merged = merged;
    return merged;
  },
  async unmount(ctx) {
    unmountIfMounted(ctx.kernel, dirs(ctx).merged);
  },
  async remove(ctx) {
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  },
  changes: (ctx) => ({ dir: dirs(ctx).upper, whiteouts: 'overlay' }),
};

export default definePlugin({
  name: 'mydocker:overlay',
  apply(api) {
    api.registerStorageDriver(overlayDriver);
  },
});
