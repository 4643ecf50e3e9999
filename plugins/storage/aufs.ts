// Built-in storage driver "aufs", the book's original: the container's branch read-write on top of
// the image's layers read-only (with whiteouts). Works where the kernel has aufs (Ubuntu kernels up
// to 20.04); elsewhere `--storage-driver aufs` is refused before anything is created.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { definePlugin, type StorageContext, type StorageDriver } from '../../hooks/index.js';
import { ensureFilesystem, isMountPoint, unmountIfMounted } from './filesystems.js';

function dirs(ctx: StorageContext): { rw: string; merged: string } {
  return { rw: path.join(ctx.dir, 'rw'), merged: path.join(ctx.dir, 'merged') };
}

export const aufsDriver: StorageDriver = {
  name: 'aufs',
  unsupportedReason: () =>
    ensureFilesystem('aufs') ? null : 'this kernel has no aufs (it is not in /proc/filesystems); use --storage-driver overlay',
  async mount(ctx) {
    const { rw, merged } = dirs(ctx);
    // Only root may enter the container's directory (see the overlay driver); its branch is the
    // container's "/", whose mode shows inside.
    fs.mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(rw, { recursive: true, mode: 0o755 });
    fs.mkdirSync(merged, { recursive: true, mode: 0o700 });
    const branches = [`${rw}=rw`, ...ctx.layers.map((layer) => `${layer}=ro+wh`)].join(':');
    if (isMountPoint(merged)) unmountIfMounted(ctx.kernel, merged); // a killed start's, never stacked
    ctx.kernel.mount('none', merged, 'aufs', 0, `br=${branches}`);
    ctx.state.merged = merged;
    return merged;
  },
  async unmount(ctx) {
    unmountIfMounted(ctx.kernel, dirs(ctx).merged);
  },
  async remove(ctx) {
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  },
  changes: (ctx) => ({ dir: dirs(ctx).rw, whiteouts: 'aufs' }),
};

export default definePlugin({
  name: 'mydocker:aufs',
  apply(api) {
    api.registerStorageDriver(aufsDriver);
  },
});
