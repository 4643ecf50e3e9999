// Turns a container's own layer (overlayfs's upper directory) into the tree of a Docker layer, in
// a staging directory that `commit` then packs with tar: an overlayfs whiteout (a character device
// 0/0) becomes an empty `.wh.NAME`, an opaque directory (xattr trusted.overlay.opaque=y) gets a
// `.wh..wh..opq`. Files are copied (with mode, owner and times); sockets and devices are left out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPAQUE_MARKER, OPAQUE_XATTR, WHITEOUT_PREFIX } from './extract-layer-names.js';

export interface XattrReader {
  getxattr(path: string, name: string): string | null;
}

/** `whiteouts: 'aufs'`: the layer has Docker's `.wh.` files already; aufs's own `.wh..wh.` files stay out. */
export function stageChanges(upper: string, staging: string, kernel: XattrReader, whiteouts: 'overlay' | 'aufs' = 'overlay'): void {
  walk('');
  // The runtime's own mount points, made empty in the container's layer when the image had none
  // (the files bound onto them live in the container's state): not the container's changes, as
  // Docker's init layer keeps them out of a commit.
  for (const rel of RUNTIME_MOUNT_POINTS) {
    const staged = path.join(staging, rel);
    const stat = fs.lstatSync(staged, { throwIfNoEntry: false });
    if (stat?.isFile() && stat.size === 0) fs.rmSync(staged);
  }

  function walk(relative: string): void {
    for (const name of fs.readdirSync(path.join(upper, relative)).sort()) {
      const rel = path.join(relative, name);
      const from = path.join(upper, rel);
      const to = path.join(staging, rel);
      const stat = fs.lstatSync(from);
      if (whiteouts === 'aufs' && name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`) && name !== OPAQUE_MARKER) continue;
      if (whiteouts === 'overlay' && stat.isCharacterDevice() && stat.rdev === 0) {
        fs.writeFileSync(path.join(staging, relative, WHITEOUT_PREFIX + name), '');
      } else if (stat.isDirectory()) {
        fs.mkdirSync(to);
        if (whiteouts === 'overlay' && kernel.getxattr(from, OPAQUE_XATTR) === 'y') fs.writeFileSync(path.join(to, OPAQUE_MARKER), '');
        walk(rel);
        keepMetadata(to, stat);
      } else if (stat.isFile()) {
        fs.copyFileSync(from, to);
        keepMetadata(to, stat);
      } else if (stat.isSymbolicLink()) {
        fs.symlinkSync(fs.readlinkSync(from), to);
        fs.lchownSync(to, stat.uid, stat.gid);
      }
    }
  }
}

const RUNTIME_MOUNT_POINTS = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

function keepMetadata(file: string, stat: fs.Stats): void {
  fs.chownSync(file, stat.uid, stat.gid);
  fs.chmodSync(file, stat.mode & 0o7777); // after chown, which clears setuid bits
  fs.utimesSync(file, stat.atime, stat.mtime);
}
