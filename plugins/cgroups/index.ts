// Built-in plugin "mydocker:cgroups": one cgroup per container, named after its ID, below a parent
// of mydocker's own ("mydocker", or $MYDOCKER_CGROUP_PARENT when this process starts), with the
// limits of -m, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --cpuset-mems, --pids-limit,
// and the container's device access list (Docker's defaults, --device, --privileged).
//   checkOptions   refuses bad limits before anything exists
//   createCgroups  creates the groups before the first process exists, and has it join them
//                  itself (a write of "0" to each group's file, in its prelude: see CgroupsContext)
//   applyCgroups   checks that PID 1 is in every group (moving it there if a launch did not), while
//                  it still waits for "go", so the limits and the device rules hold from the user's
//                  command's first instruction; then has it root a cgroup namespace there
//   enterNamespace puts each `exec`'d process in the same groups
//   updateResources writes new limits onto a running container's groups (`mydocker update`)
//   releaseCgroups notes whether the OOM killer struck, then removes the groups, and the levels
//                  above them its create made (a nested cgroupsPath) once they are left empty
//   a stats provider: a running container's usage for `mydocker stats` (hooks/stats.ts)
//   inspect sections: State.OOMKilled, what releaseCgroups saw, and the limits in HostConfig
//   (Memory, NanoCpus, PidsLimit, ... as Docker's; hooks/inspect.ts)
// The layout (v1, v2, hybrid) is detected once, from /proc/self/mountinfo.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerInfo, DeviceRule, HookContextBase, JsonValue, Plugin } from '../../hooks/index.js';
import type { CgroupDriver, CgroupPaths } from './driver.js';
import type { BpfKernel } from './device-bpf.js';
import { detectLayout, type CgroupLayout } from './layout.js';
import { parseLimits, parseList, type HostResources } from './limits.js';
import { CgroupV1 } from './v1.js';
import { CgroupV2 } from './v2.js';
import { deviceRules } from './device-rules.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { CGROUPS_PLUGIN, type CgroupState } from './name.js';

export { CGROUPS_PLUGIN, type CgroupState } from './name.js';

let cachedLayout: CgroupLayout | undefined;

/**
 * The driver for this host's layout (detected on first use). `kernel` is what a v2 driver
 * attaches device programs with; a driver without it (for `stats`) cannot confine devices.
 */
export function hostCgroups(kernel?: BpfKernel, mountinfo = '/proc/self/mountinfo'): { driver: CgroupDriver; layout: string } {
  const layout = (cachedLayout ??= detectLayout(fs.readFileSync(mountinfo, 'utf8')));
  const driver = layout.kind === 'v2' ? new CgroupV2(layout.root, kernel) : new CgroupV1(layout.controllers);
  return { driver, layout: layout.kind };
}

export function hostResources(): HostResources {
  const read = (file: string, fallback: string): number[] => {
    try {
      return parseList(fs.readFileSync(file, 'utf8').trim()) ?? parseList(fallback)!;
    } catch {
      return parseList(fallback)!;
    }
  };
  return { cpus: read('/sys/devices/system/cpu/online', '0'), mems: read('/sys/devices/system/node/online', '0') };
}

const cgroupsPlugin: Plugin = {
  name: CGROUPS_PLUGIN,
  apply(api) {
    const parent = process.env.MYDOCKER_CGROUP_PARENT || 'mydocker';
    api.hooks.checkOptions.tap(CGROUPS_PLUGIN, (ctx) => {
      parseLimits(ctx.options, hostResources());
    });
    // The groups made by createCgroups in this process, by container ID, until applyCgroups.
    const created = new Map<string, CgroupPaths>();
    const create = (ctx: HookContextBase & { saveState?: (() => void) | undefined }): { driver: CgroupDriver; paths: CgroupPaths } => {
      const limits = parseLimits(ctx.container.options, hostResources());
      const { driver, layout } = hostCgroups(ctx.kernel);
      const paths = containerPaths(driver, parent, ctx.container);
      // Saved, and written to disk, before anything is created: a failure half-way, or this process
      // killed half-way, is undone from this by releaseCgroups. `levels`: the directories above the
      // groups that are missing now, which create makes and so this container removes.
      const state: CgroupState = { layout, paths, levels: driver.missingLevels(paths) };
      Object.assign(ctx.state, state);
      ctx.saveState?.();
      stopPoint('cgroups:intent-saved');
      driver.create(paths, limits, givenDeviceRules(ctx.container.options) ?? deviceRules(ctx.container.security), {
        groupMade: () => stopPoint('cgroups:one-created'),
        // Gone since (another container's teardown removed it) and made again here: ours as well.
        levelMade: (dir) => {
          if (state.levels!.includes(dir)) return;
          state.levels!.push(dir);
          ctx.saveState?.();
        },
      });
      return { driver, paths };
    };
    api.hooks.createCgroups.tapPromise(CGROUPS_PLUGIN, async (ctx) => {
      const { driver, paths } = create(ctx);
      created.set(ctx.container.id, paths);
      ctx.joinFiles.push(...driver.joinFiles(paths));
    });
    api.hooks.applyCgroups.tapPromise(CGROUPS_PLUGIN, async (ctx) => {
      const made = created.get(ctx.container.id);
      created.delete(ctx.container.id);
      const { driver, paths } = made === undefined ? create(ctx) : { driver: hostCgroups(ctx.kernel).driver, paths: made };
      // The first process joined its groups itself (its prelude) when the launch passed the join
      // files on; otherwise, or where it is not there, it is moved from here.
      driver.addProcess(paths, ctx.pid, { unlessMember: made !== undefined });
      // Now that it is in its groups, the first process can root a cgroup namespace there.
      if (ctx.container.options.cgroupView !== false) ctx.initSteps.push(...driver.views(paths, ctx.container.security.privileged));
    });
    // Before the exec plugin joins the container's mount namespace (stage -10): the host's
    // /sys/fs/cgroup is out of reach in there, so the cgroup.procs files are opened now and the
    // new process's pid is written through the descriptors once it exists.
    api.hooks.enterNamespace.tap({ name: CGROUPS_PLUGIN, stage: -10 }, (ctx) => {
      const paths = ctx.state.paths as CgroupPaths | undefined;
      if (!paths) return;
      const fds: number[] = [];
      ctx.onLeave(() => fds.forEach((fd) => fs.closeSync(fd)));
      for (const file of hostCgroups().driver.procsFiles(paths)) fds.push(fs.openSync(file, 'w'));
      ctx.onSpawn((pid) => fds.forEach((fd) => fs.writeSync(fd, String(pid))));
    });
    // `mydocker update`: the merged limits onto the groups; the ones in place again if the kernel
    // refuses part of them (e.g. a memory limit under what the container uses: EBUSY).
    api.hooks.updateResources.tapPromise(CGROUPS_PLUGIN, async (ctx) => {
      const paths = ctx.state.paths as CgroupPaths | undefined;
      if (!paths) throw new Error('the container has no cgroups of this plugin to update');
      const { driver } = hostCgroups(ctx.kernel);
      const host = hostResources();
      try {
        driver.update(paths, parseLimits(ctx.container.options, host));
      } catch (error) {
        try {
          driver.update(paths, parseLimits(ctx.previous, host));
        } catch {
          // Refused too: what the kernel kept is what there is; the error below says what failed.
        }
        throw error;
      }
    });
    api.hooks.releaseCgroups.tapPromise(CGROUPS_PLUGIN, async (ctx) => {
      created.delete(ctx.container.id); // a launch that failed never reached applyCgroups
      const { driver } = hostCgroups();
      // Nothing saved (a record lost, or from before saving came first): the groups the ID names
      // under this process's parent, if there are any.
      const paths = (ctx.state.paths as CgroupPaths | undefined) ?? existing(containerPaths(driver, parent, ctx.container));
      if (!paths) return;
      if (driver.oomKilled(paths)) ctx.state.oomKilled = true;
      const made = (ctx.state.levels as string[] | undefined) ?? [];
      // mydocker's own parent goes with the last container in it, whoever made it (as it always
      // has); a level of a cgroupsPath only with the container that made it.
      const ownParent = cgroupsPathOf(ctx.container) !== null ? [] : Object.values(paths).map((dir) => path.dirname(dir));
      driver.remove(paths, [...made, ...ownParent]);
      delete ctx.state.paths;
      delete ctx.state.levels;
    });
    api.registerStatsProvider({
      readStats({ state }) {
        const paths = state.paths as CgroupPaths | undefined;
        return paths ? hostCgroups().driver.stats(paths) : null;
      },
    });
    api.registerInspectSection('State', ({ state }) => ({ OOMKilled: state.oomKilled === true }));
    api.registerInspectSection('HostConfig', ({ container }) => hostConfigLimits(container.options));
  },
};

/**
 * The limits as Docker's inspect shows them in HostConfig (0 or "" where none is set; NanoCpus in
 * billionths of a CPU; MemorySwap -1 for unlimited, else memory plus swap). Options that no longer
 * parse (a record of another version) show as unset.
 */
export function hostConfigLimits(options: ContainerInfo['options']): Record<string, JsonValue> {
  let limits;
  try {
    limits = parseLimits(options, hostResources());
  } catch {
    limits = {};
  }
  const swap = limits.memory === undefined ? 0 : (limits.memorySwap ?? limits.memory * 2);
  return {
    Memory: limits.memory ?? 0,
    MemorySwap: swap,
    MemoryReservation: limits.memoryReservation ?? 0,
    NanoCpus: limits.cpus === undefined ? 0 : Math.round(limits.cpus * 1e9),
    CpuShares: limits.cpuShares ?? 0,
    CpusetCpus: limits.cpusetCpus ?? '',
    CpusetMems: limits.cpusetMems ?? '',
    PidsLimit: limits.pidsLimit === undefined || limits.pidsLimit === -1 ? null : limits.pidsLimit,
  };
}

/**
 * <parent>/<id>, or for an OCI container (mydocker-runc) its config's `cgroupsPath` option: absolute
 * from each hierarchy's root, or relative to mydocker's parent.
 */
export function containerPaths(driver: CgroupDriver, parent: string, container: ContainerInfo): CgroupPaths {
  const given = cgroupsPathOf(container);
  if (given === null) return driver.paths(parent, container.id);
  const full = given.startsWith('/') ? given : `${parent}/${given}`;
  const dir = full.replace(/\/+$/, '');
  return driver.paths(dir.slice(0, dir.lastIndexOf('/')), dir.slice(dir.lastIndexOf('/') + 1));
}

/** An OCI container's place as its config gives it (`cgroupsPath`), or null: in mydocker's parent. */
function cgroupsPathOf(container: ContainerInfo): string | null {
  const given = container.options.cgroupsPath;
  return typeof given === 'string' && given !== '' ? given : null;
}

/** An OCI container's own device rules (its config's linux.resources.devices), when it has them. */
function givenDeviceRules(options: ContainerInfo['options']): DeviceRule[] | undefined {
  const rules = options.deviceRules;
  return Array.isArray(rules) ? (rules as unknown as DeviceRule[]) : undefined;
}

/** The paths that exist, or undefined when none does. */
function existing(paths: CgroupPaths): CgroupPaths | undefined {
  const found = Object.entries(paths).filter(([, dir]) => fs.existsSync(dir));
  return found.length > 0 ? Object.fromEntries(found) : undefined;
}

export default cgroupsPlugin;
