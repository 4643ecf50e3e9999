// Built-in storage driver "overlay" (the default): the image's layers as overlayfs lower dirs, the
// container's own upper dir, mounted on the host at <root>/storage/overlay/<id>/merged. The mount is
// copied into the container's mount namespace when it is created; releaseRootfs unmounts the host's.
// A throwaway container's layer (--rm) is mounted `volatile`: overlayfs then never syncs the upper
// directory, and its unmount skips the sync of the whole host filesystem holding the state root
// (1.5-10 ms of a `run --rm` here, more while other processes write to that disk).
import * as fs from 'node:fs';
import { uptime } from 'node:os';
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

function mountOverlay(ctx: StorageContext, merged: string, options: string): void {
  if (ctx.throwaway) {
    try {
      ctx.kernel.mount('overlay', merged, 'overlay', 0, `${options},volatile`);
      return;
    } catch (error) {
      // A kernel before 5.10 knows no `volatile`: the layer is then synced as any other.
      if ((error as { code?: string }).code !== 'EINVAL') throw error;
    }
  }
  ctx.kernel.mount('overlay', merged, 'overlay', 0, options);
}

/**
 * overlayfs marks a work directory once mounted `volatile` (work/incompat/volatile) and refuses to
 * mount it again, since a host crash may have lost writes of its upper directory. A mark made
 * since this boot only says it was volatile: no crash came in between (it would have been a boot),
 * its files are whole, and the mark goes. An older one is refused with what to do.
 */
export function clearVolatileMark(work: string, bootTimeMs = Date.now() - uptime() * 1000): void {
  const mark = path.join(work, 'work', 'incompat', 'volatile');
  const made = fs.statSync(mark, { throwIfNoEntry: false });
  if (made === undefined) return;
  if (made.ctimeMs < bootTimeMs) {
    throw new Error(`the container's layer was mounted without syncing (it was run with --rm) before the host restarted: its files may be incomplete (remove the container with mydocker rm -f)`);
  }
  fs.rmSync(path.join(work, 'work', 'incompat'), { recursive: true, force: true });
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
    const freshWork = mkdirIfMissing(work, 0o700);
    mkdirIfMissing(merged, 0o700);
    // overlayfs separates options with ',' and lower dirs with ':'; the state root must avoid both.
    for (const p of [...ctx.layers, upper, work]) {
      if (/[,:]/.test(p)) throw new Error(`path ${p} contains ',' or ':', which overlayfs options cannot carry`);
    }
    const options = `lowerdir=${ctx.layers.join(':')},upperdir=${upper},workdir=${work}`;
    // A mount left by a start that was killed before it could record it: replaced, never stacked.
    if (isMountPoint(merged)) unmountIfMounted(ctx.kernel, merged);
    if (!freshWork) clearVolatileMark(work);
    mountOverlay(ctx, merged, options);
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
