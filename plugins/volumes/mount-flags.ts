// The per-mount flags (nosuid, nodev, noexec, atime) of a mount point, read from the mount table of
// the calling process (the `run` process, host side). A bind remount replaces a mount's flags with
// the ones given: remounting a bind of a nosuid,nodev source read-only with MS_RDONLY alone would
// give the container *more* than the host has, so the remount carries these along.
import * as fs from 'node:fs';
import { MS } from '../../hooks/index.js';

const OPTION_FLAGS: Record<string, number> = {
  nosuid: MS.NOSUID,
  nodev: MS.NODEV,
  noexec: MS.NOEXEC,
  noatime: MS.NOATIME,
  nodiratime: MS.NODIRATIME,
  relatime: MS.RELATIME,
};

/** The MS_* flags of the topmost mount at `mountPoint`; 0 if nothing is mounted there. */
export function mountFlags(mountPoint: string, mountinfo = '/proc/self/mountinfo'): number {
  let options: string | undefined;
  for (const line of fs.readFileSync(mountinfo, 'utf8').split('\n')) {
    const fields = line.split(' ');
    // Later lines are mounted later: the last match is the one on top.
    if (fields.length > 5 && decodeField(fields[4]!) === mountPoint) options = fields[5];
  }
  if (options === undefined) return 0;
  let flags = 0;
  const names = options.split(',');
  for (const name of names) flags |= OPTION_FLAGS[name] ?? 0;
  // Neither noatime nor relatime shown means strictatime: without the flag a remount makes it relatime.
  if (!names.includes('noatime') && !names.includes('relatime')) flags |= MS.STRICTATIME;
  return flags;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function decodeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
