// Device access of containers, for the core (the `run` process): `--device` specs parsed and
// resolved against the host. The rule lists the cgroups plugin enforces from them are the plugin's
// own (plugins/cgroups/device-rules.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceMapping } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import { splitDev } from '../process/confine-mounts.js';

/** Shared with the --privileged device walk: one decoding of st_rdev. */
export { splitDev };

const FORMAT = 'expected HOST[:CONTAINER][:PERMISSIONS], e.g. --device /dev/sdb:/dev/xvdb:rw';
const PERMISSIONS = 'a non-empty combination of r, w and m, each at most once (e.g. rw)';

/**
 * `--device HOST[:CONTAINER][:PERMISSIONS]`, as Docker reads it: with two parts the second is the
 * permissions when it reads as such ("/dev/sda:rw"), else the container path; the container path
 * defaults to the host path; both must be absolute; permissions default to "rwm". The host path
 * is stat'ed (following links, as Docker does for /dev/disk/by-id/...) and must be a character or
 * block device.
 * Throws a MydockerError (exit code 125) with one line naming the fault and the way out.
 */
export function parseDeviceSpec(spec: string, stat: (p: string) => fs.Stats = (p) => fs.statSync(p)): DeviceMapping {
  const bad = (what: string): MydockerError => new MydockerError(`invalid --device ${JSON.stringify(spec)}: ${what}`);
  const parts = spec.split(':');
  if (parts.length > 3) throw bad(`too many ":"; ${FORMAT}`);
  const [hostPath = '', second, third] = parts;
  if (hostPath === '') throw bad(`no host path; ${FORMAT}`);
  if (!path.posix.isAbsolute(hostPath)) throw bad(`the host path ${JSON.stringify(hostPath)} is not absolute; give the device's full path, e.g. /dev/sdb`);
  let containerPath = hostPath;
  let permissions = 'rwm';
  if (third !== undefined) {
    if (!validPermissions(third)) throw bad(`permissions ${JSON.stringify(third)} are not ${PERMISSIONS}`);
    permissions = third;
    containerPath = second!;
  } else if (second !== undefined) {
    if (validPermissions(second)) permissions = second;
    else if (second.startsWith('/')) containerPath = second;
    else if (second === '') throw bad(`the container path is empty; give one (e.g. ${hostPath}:${hostPath}) or leave out the ":"`);
    else throw bad(`${JSON.stringify(second)} is neither an absolute container path nor permissions (${PERMISSIONS})`);
  }
  if (containerPath === '') throw bad(`the container path is empty; give one (e.g. ${hostPath}:${hostPath}:${permissions}) or write ${hostPath}:${permissions}`);
  if (!path.posix.isAbsolute(containerPath)) {
    throw bad(`the container path ${JSON.stringify(containerPath)} is not absolute; give the full path it gets inside, e.g. /dev/xvdb`);
  }
  // Go's path.Clean, as Docker: no ".", "..", doubled or trailing "/".
  containerPath = path.posix.normalize(containerPath).replace(/(.)\/$/, '$1');
  if (containerPath === '/') throw bad('the container path cannot be "/"; give the path the device gets inside, e.g. /dev/xvdb');

  let stats: fs.Stats;
  try {
    stats = stat(hostPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw bad(`${hostPath} does not exist on the host; give the path of a device node, e.g. /dev/sdb`);
    throw bad(`cannot stat ${hostPath} on the host (${code ?? String(error)}); check the path and that you are root`);
  }
  if (stats.isDirectory()) {
    throw bad(`${hostPath} is a directory, which mydocker does not expand into its devices; give each device node with its own --device`);
  }
  const type = stats.isCharacterDevice() ? 'c' : stats.isBlockDevice() ? 'b' : null;
  if (type === null) throw bad(`${hostPath} is not a device node (${kindOf(stats)}); give a character or block device, e.g. /dev/sdb`);
  const { major, minor } = splitDev(BigInt(stats.rdev));
  return {
    hostPath,
    containerPath,
    type,
    major,
    minor,
    fileMode: Number(stats.mode) & 0o7777,
    uid: Number(stats.uid),
    gid: Number(stats.gid),
    permissions,
  };
}

/** Docker's validDeviceMode: a non-empty subset of "rwm", no letter twice. */
function validPermissions(value: string): boolean {
  return value !== '' && /^[rwm]+$/.test(value) && new Set(value).size === value.length;
}

function kindOf(stats: fs.Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a device';
}
