// Built-in plugin "mydocker:exec": joins a running container's namespaces for `exec`, on the exec
// process's main thread (namespaces belong to a thread). Order matters: ipc, uts, net, pid, cgroup, mnt —
// the mount namespace last, because after it /proc/<pid> of the host is no longer reachable; every
// descriptor is opened before the first setns. The pid namespace only changes where the *next*
// child is born, which is the point: the core spawns the command right after this hook.
// (Joining the container's cgroup belongs to the cgroup plugin's own enterNamespace tap.)
import * as fs from 'node:fs';
import { CLONE, CONTAINER_NAMESPACES, definePlugin, type EnterContext } from '../../hooks/index.js';

// The container's cgroup namespace too (its first process made one rooted at its own groups), before
// the mount namespace like the others: the exec'd process is born in it and sees the same
// /proc/self/cgroup as the container's processes. For a container without one this is the host's.
const ORDER = [...CONTAINER_NAMESPACES.slice(0, -1), { file: 'cgroup', nstype: CLONE.NEWCGROUP }, ...CONTAINER_NAMESPACES.slice(-1)];

export function enterContainer(ctx: EnterContext, procRoot = '/proc'): void {
  const opened: number[] = [];
  let host: Array<{ fd: number; nstype: number }>;
  let target: Array<{ fd: number; nstype: number }>;
  let cwd: number;
  try {
    const open = (file: string): number => {
      const fd = fs.openSync(file, 'r');
      opened.push(fd);
      return fd;
    };
    host = ORDER.map((ns) => ({ fd: open(`${procRoot}/thread-self/ns/${ns.file}`), nstype: ns.nstype }));
    target = ORDER.map((ns) => ({ fd: open(`${procRoot}/${ctx.pid}/ns/${ns.file}`), nstype: ns.nstype }));
    cwd = open('.');
  } catch (error) {
    for (const fd of opened) fs.closeSync(fd);
    throw error;
  }
  // From here the way back owns the descriptors; the core runs it whatever happens next.
  const entered: number[] = [];
  ctx.onLeave(() => {
    try {
      for (const nstype of [...entered].reverse()) ctx.kernel.setns(host.find((h) => h.nstype === nstype)!.fd, nstype);
      if (entered.length > 0) ctx.kernel.fchdir(cwd);
    } finally {
      for (const fd of opened) fs.closeSync(fd);
    }
  });
  // setns(mnt) refuses a thread that shares its fs_struct with Node's other threads.
  ctx.kernel.unshare(CLONE.FS);
  for (const ns of target) {
    ctx.kernel.setns(ns.fd, ns.nstype);
    entered.push(ns.nstype);
  }
}

export default definePlugin({
  name: 'mydocker:exec',
  apply(api) {
    api.hooks.enterNamespace.tap('mydocker:exec', (ctx) => enterContainer(ctx));
  },
});
