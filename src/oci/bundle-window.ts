// What an OCI bundle does inside mydocker's launch window (src/process/launch.ts), on the runtime's
// main thread, synchronously: the config's mounts in their order (host paths under the rootfs, each
// target resolved inside the rootfs as the kernel would with the rootfs as "/", so that the image's
// links cannot lead a mount onto the host), those of type proc by the first process itself in their
// place (proc shows its mounter's PID namespace), so that the container's mount table lists them
// all in the config's order as the spec asks; its device nodes; and after pivot_root the sysctls,
// masked and read-only paths, a read-only root and the root's propagation. Every module used here
// is loaded before the window opens.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MS, type Kernel } from '../../hooks/index.js';
import { makeMountPoint } from '../../hooks/in-root.js';
import type { BundleLaunch } from '../process/launch.js';
import { mask, readOnly } from '../process/confine-mounts.js';
import { MydockerError } from '../errors.js';
import type { DeviceNode, LaunchPlan, PlannedMount } from './launch-plan.js';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** The links every /dev has (runtime-spec "Default Devices" and runc's own). */
const DEV_LINKS: ReadonlyArray<readonly [string, string]> = [
  ['ptmx', 'pts/ptmx'],
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
];

/** `bundle`: the bundle's directory, which relative bind sources are resolved against. */
export function bundleLaunch(plan: LaunchPlan, bundle: string, preserveFds = 0): BundleLaunch {
  return {
    unshare: plan.unshare,
    join: plan.join,
    userns: plan.userns,
    hostname: plan.hostname,
    holdGo: true,
    preserveFds,
    slave: plan.rootPropagation.slave,
    cgroupNamespace: plan.cgroupNamespace,
    mount: (kernel, rootfs, byFirstProcess) => {
      for (const m of plan.mounts) {
        if (m.type === 'proc') {
          const target = mountPoint(rootfs, m.destination, 'directory');
          byFirstProcess([{ op: 'mount', source: 'proc', target, fstype: 'proc', flags: m.flags, data: m.data }]);
          for (const change of m.propagation) kernel.mount(null, target, null, change, null);
        } else {
          mountOne(kernel, rootfs, m, bundle);
        }
      }
      makeDevices(kernel, rootfs, plan.devices);
    },
    afterPivot: (kernel) => {
      // Before the read-only paths: /proc/sys is usually one of them.
      for (const [key, value] of Object.entries(plan.sysctl)) writeSysctl(key, value);
      for (const target of plan.maskedPaths) mask(kernel, target);
      for (const target of plan.readonlyPaths) readOnly(kernel, target);
      if (plan.readonlyRoot) kernel.mount(null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
      // Last: an unbindable root would refuse the read-only paths' binds. A shared root is a peer
      // group of the container's own (its mounts were private, or slaves, until now), not the host's.
      if (plan.rootPropagation.after !== null) kernel.mount(null, '/', null, plan.rootPropagation.after, null);
    },
  };
}

function mountPoint(rootfs: string, destination: string, kind: 'file' | 'directory'): string {
  try {
    return makeMountPoint(rootfs, destination, kind);
  } catch (error) {
    throw new MydockerError(`config.json: cannot mount on ${destination}: ${(error as Error).message}`);
  }
}

function mountOne(kernel: Kernel, rootfs: string, m: PlannedMount, bundle: string): void {
  if (m.bind) {
    const source = path.resolve(bundle, m.source!);
    let isDirectory: boolean;
    try {
      isDirectory = fs.statSync(source).isDirectory();
    } catch (error) {
      throw new MydockerError(`config.json: the source of the bind mount on ${m.destination}, ${source}, cannot be used: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    const target = mountPoint(rootfs, m.destination, isDirectory ? 'directory' : 'file');
    kernel.mount(source, target, null, MS.BIND | (m.flags & MS.REC), null);
    // A bind takes no other flag: they are applied by a remount of the new mount alone.
    const rest = m.flags & ~(MS.BIND | MS.REC);
    if (rest !== 0) kernel.mount(null, target, null, MS.BIND | MS.REMOUNT | rest, null);
    for (const change of m.propagation) kernel.mount(null, target, null, change, null);
    return;
  }
  const target = mountPoint(rootfs, m.destination, 'directory');
  kernel.mount(m.source ?? m.type, target, m.type, m.flags, m.data);
  for (const change of m.propagation) kernel.mount(null, target, null, change, null);
}

function makeDevices(kernel: Kernel, rootfs: string, devices: readonly DeviceNode[]): void {
  for (const d of devices) {
    const dir = mountPoint(rootfs, path.posix.dirname(d.path), 'directory');
    const node = path.join(dir, path.posix.basename(d.path));
    fs.rmSync(node, { force: true }); // an image's own node of the same name is replaced
    const kind = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
    kernel.mknod(node, kind | (d.fileMode & 0o7777), d.major, d.minor);
    fs.chmodSync(node, d.fileMode & 0o7777); // mknod's mode went through the umask
    fs.chownSync(node, d.uid, d.gid);
  }
  const dev = path.join(fs.realpathSync(rootfs), 'dev');
  for (const [name, target] of DEV_LINKS) {
    try {
      fs.symlinkSync(target, path.join(dev, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Written through the container's /proc (its network and IPC namespaces: this thread is in them). */
function writeSysctl(key: string, value: string): void {
  if (key.includes('/') || key.split('.').includes('..')) throw new MydockerError(`config.json: linux.sysctl "${key}" is no sysctl name`);
  const file = path.join('/proc/sys', ...key.split('.'));
  try {
    fs.writeFileSync(file, value);
  } catch (error) {
    throw new MydockerError(`config.json: cannot set the sysctl ${key} to "${value}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}
