// Docker's copy-up: a volume (named or anonymous, never a bind mount) that is empty when it is
// mounted where the image has files is first filled with them — contents, owners, modes, times and
// links — and takes the mode and owner of the image's directory, so that e.g. a fresh volume on
// PostgreSQL's /var/lib/postgresql/data belongs to the postgres user as the image meant. Runs in
// prepareRootfs, before the container exists: nothing of it runs yet to change the files, and the
// walk never follows a link (the image's links are copied as links).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Fills `volume` from `imageDir` (the mount point inside the root) when the volume is empty. */
export function copyUp(imageDir: string, volume: string): boolean {
  const dirStat = fs.lstatSync(imageDir);
  if (!dirStat.isDirectory() || fs.readdirSync(volume).length > 0) return false;
  const entries = fs.readdirSync(imageDir);
  if (entries.length === 0) return false;
  for (const name of entries) copyEntry(path.join(imageDir, name), path.join(volume, name));
  keepMetadata(volume, dirStat);
  return true;
}

function copyEntry(from: string, to: string): void {
  const stat = fs.lstatSync(from);
  if (stat.isDirectory()) {
    fs.mkdirSync(to, { mode: 0o700 });
    for (const name of fs.readdirSync(from)) copyEntry(path.join(from, name), path.join(to, name));
    keepMetadata(to, stat);
  } else if (stat.isFile()) {
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
    keepMetadata(to, stat);
  } else if (stat.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from), to);
    fs.lchownSync(to, stat.uid, stat.gid);
  }
  // devices, sockets, fifos: not part of a volume's data
}

function keepMetadata(file: string, stat: fs.Stats): void {
  fs.chownSync(file, stat.uid, stat.gid);
  fs.chmodSync(file, stat.mode & 0o7777); // after chown, which clears setuid bits
  fs.utimesSync(file, stat.atime, stat.mtime);
}
