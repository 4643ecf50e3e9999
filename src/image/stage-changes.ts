// Turns a container's own layer (overlayfs's upper directory, or another driver's) into the tree of
// a Docker layer, in a staging directory that `commit` then packs with tar: each deletion becomes an
// empty `.wh.NAME`, each opaque directory gets a `.wh..wh..opq`, as the driver's whiteout format
// says which entries are which (overlayfs: a character device 0/0, the xattr
// trusted.overlay.opaque=y; aufs: Docker's own names already; or a driver's WhiteoutRules). Files
// are copied (with mode, owner and times); sockets and devices are left out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WhiteoutFormat, WhiteoutRules } from '../../hooks/index.js';
import { OPAQUE_MARKER, OPAQUE_XATTR, WHITEOUT_PREFIX } from './extract-layer-names.js';

export interface XattrReader {
  getxattr(path: string, name: string): string | null;
}

/** The rules of the two built-in formats. */
export function whiteoutRules(format: WhiteoutFormat, kernel: XattrReader): WhiteoutRules {
  if (format === 'overlay') {
    return {
      deletes: (entry, stat) => (stat.isCharacterDevice() && stat.rdev === 0 ? path.basename(entry) : null),
      opaque: (dir) => kernel.getxattr(dir, OPAQUE_XATTR) === 'y',
    };
  }
  if (format === 'aufs') {
    return {
      deletes: (entry) => {
        const name = path.basename(entry);
        return name.startsWith(WHITEOUT_PREFIX) && !name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`) ? name.slice(WHITEOUT_PREFIX.length) : null;
      },
      opaque: (dir) => fs.existsSync(path.join(dir, OPAQUE_MARKER)),
      // aufs's own `.wh..wh.` files (its hard-link directory, its plink) and the marker, written again from opaque().
      internal: (entry) => path.basename(entry).startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`),
    };
  }
  return format;
}

export function stageChanges(upper: string, staging: string, kernel: XattrReader, whiteouts: WhiteoutFormat = 'overlay'): void {
  const rules = whiteoutRules(whiteouts, kernel);
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
      if (rules.internal?.(from, stat)) continue;
      const deleted = rules.deletes(from, stat);
      if (deleted !== null) {
        fs.writeFileSync(path.join(staging, relative, WHITEOUT_PREFIX + deleted), '');
      } else if (stat.isDirectory()) {
        fs.mkdirSync(to);
        if (rules.opaque(from)) fs.writeFileSync(path.join(to, OPAQUE_MARKER), '');
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
