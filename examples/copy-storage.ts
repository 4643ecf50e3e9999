// A storage driver "copy", for hosts where overlayfs cannot serve (no overlay in the kernel, or a
// state root on a file system overlayfs refuses as its upper directory): each container gets its
// own full copy of the image's layers, bind-mounted as its root. Slower to start and bigger on disk
// than overlay (reflinks make it cheap on btrfs and XFS), but it needs nothing of the kernel.
//
//   mydocker run --plugin examples/copy-storage.ts --storage-driver copy busybox sh
//
// `commit` is refused: the copy holds the whole root, not the container's changes apart from the
// image, so a deletion could not be written as a whiteout. `mydocker export` saves its files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MNT, MS, PluginFailure, definePlugin, errnoCode, type Kernel, type StorageDriver } from 'mydocker/hooks';

/**
 * Copies one image layer onto `to`, as overlayfs would show it above what `to` holds: mydocker
 * extracts layers in overlayfs's format, where a character device 0/0 deletes the lower layers'
 * file and the xattr trusted.overlay.opaque=y on a directory hides the lower layers' contents.
 * Hard links become separate copies; sockets are skipped.
 */
function copyLayer(kernel: Kernel, from: string, to: string): void {
  for (const name of fs.readdirSync(from)) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    const st = fs.lstatSync(src);
    const below = fs.lstatSync(dst, { throwIfNoEntry: false });
    const whiteout = st.isCharacterDevice() && st.rdev === 0;
    const opaque = st.isDirectory() && kernel.getxattr(src, 'trusted.overlay.opaque') === 'y';
    const merge = below?.isDirectory() && st.isDirectory() && !opaque; // a directory on a directory: merged
    if (below && !merge) fs.rmSync(dst, { recursive: true, force: true });
    if (whiteout) continue;
    if (st.isDirectory()) {
      if (!merge) fs.mkdirSync(dst);
      copyLayer(kernel, src, dst);
    } else if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else if (st.isFile()) fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE);
    else if (st.isSocket()) continue;
    else kernel.mknod(dst, st.mode, (st.rdev >> 8) & 0xfff, (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)); // devices, FIFOs
    fs.lchownSync(dst, st.uid, st.gid);
    if (!st.isSymbolicLink()) fs.chmodSync(dst, st.mode & 0o7777); // after chown, which clears setuid bits
    fs.lutimesSync(dst, st.atime, st.mtime); // after the directory's contents, which change its mtime
  }
}

const paths = (dir: string) => ({ copy: path.join(dir, 'rootfs'), merged: path.join(dir, 'merged') });

const copyDriver: StorageDriver = {
  name: 'copy',
  unsupportedReason: () => null, // plain files and a bind mount: works everywhere
  async mount(ctx) {
    const { copy, merged } = paths(ctx.dir);
    // Only root may enter ctx.dir: a local user must not reach the setuid programs of the copy.
    fs.mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
    // The first start copies (under another name until complete); a restart keeps the container's files.
    if (!fs.existsSync(copy)) {
      const partial = `${copy}.partial`;
      fs.rmSync(partial, { recursive: true, force: true });
      fs.mkdirSync(partial, { mode: 0o755 });
      for (const layer of [...ctx.layers].reverse()) copyLayer(ctx.kernel, layer, partial); // lowest first
      fs.renameSync(partial, copy);
    }
    // The root must be a mount point (pivot_root needs one): bind the copy onto `merged`.
    fs.mkdirSync(merged, { recursive: true, mode: 0o700 });
    ctx.kernel.mount(copy, merged, null, MS.BIND, null);
    return merged;
  },
  async unmount(ctx) {
    try {
      ctx.kernel.umount(paths(ctx.dir).merged, MNT.DETACH);
    } catch (error) {
      if (!['EINVAL', 'ENOENT'].includes(errnoCode(error) ?? '')) throw error; // not mounted: done already
    }
  },
  remove: async (ctx) => fs.rmSync(ctx.dir, { recursive: true, force: true }),
  changes(ctx) {
    throw new PluginFailure(`the copy storage driver cannot commit container ${ctx.container.name}: it keeps no layer of changes`, {
      hint: `save its files with: mydocker export ${ctx.container.name}`,
    });
  },
};

export default definePlugin({ name: 'copy-storage', apply: (api) => api.registerStorageDriver(copyDriver) });
