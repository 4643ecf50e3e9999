// Built-in plugin "mydocker:exec": joins a running container's namespaces for `exec`, on the exec
// process's main thread (namespaces belong to a thread), through enterNamespaces (hooks/namespaces.ts:
// every descriptor opened first, the mount namespace last, the way back in reverse). Order: ipc, uts,
// net, pid, cgroup, mnt. The pid namespace only changes where the *next* child is born, which is the
// point: the core spawns the command right after this hook, then runs the way back registered here.
// (Joining the container's cgroup belongs to the cgroup plugin's own enterNamespace tap.)
import { CLONE, CONTAINER_NAMESPACES, definePlugin, enterNamespaces, type EnterContext } from '../../hooks/index.js';

// The container's cgroup namespace too (its first process made one rooted at its own groups), before
// the mount namespace like the others: the exec'd process is born in it and sees the same
// /proc/self/cgroup as the container's processes. For a container without one this is the host's.
const ORDER = [...CONTAINER_NAMESPACES.slice(0, -1), { file: 'cgroup', nstype: CLONE.NEWCGROUP }, ...CONTAINER_NAMESPACES.slice(-1)];

/**
 * Joins the container of ctx.pid and registers the way back. A failure half-way has already
 * returned from what was entered when it throws, so there is nothing to register then.
 */
export function enterContainer(ctx: EnterContext, procRoot = '/proc'): void {
  const inside = enterNamespaces(ctx.kernel, ctx.pid, ORDER, { procRoot });
  ctx.onLeave(() => inside.leave());
}

export default definePlugin({
  name: 'mydocker:exec',
  apply(api) {
    api.hooks.enterNamespace.tap('mydocker:exec', (ctx) => enterContainer(ctx));
  },
});
