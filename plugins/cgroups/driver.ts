// The interface both cgroup versions implement, chosen once per host by the layout.
import type { InitStep } from '../../hooks/index.js';
import type { DeviceRule } from '../../hooks/index.js';
import type { ContainerStats } from '../../hooks/stats.js';
import type { Limits } from './limits.js';

/** Where a container's cgroup lives: one directory per v1 controller, or { unified: dir } on v2. */
export type CgroupPaths = Record<string, string>;

/** What create() tells as it goes. */
export interface CgroupEvents {
  /** After each of the container's own groups is made (the test suite's fault injection stops there). */
  groupMade?(): void;
  /**
   * A directory above the container's groups was made that missingLevels() did not name (it was
   * removed by another container's teardown meanwhile): it is this container's to remove too.
   */
  levelMade?(dir: string): void;
}

export interface CgroupDriver {
  /** The container's cgroup directories, computed (nothing is created). */
  paths(parent: string, id: string): CgroupPaths;
  /**
   * The directories above the groups, below each hierarchy's root, that do not exist yet: those
   * create() will make (a relative or nested cgroupsPath, mydocker's parent), recorded before it
   * runs so that remove() takes back exactly those, and never one that was there before.
   */
  missingLevels(paths: CgroupPaths): string[];
  /**
   * Creates the groups (and the levels above them, level by level), writes the limits and confines
   * device access to `devices` (deviceRules() of the container; an empty list leaves it as the parent's).
   */
  create(paths: CgroupPaths, limits: Limits, devices: readonly DeviceRule[], events?: CgroupEvents): void;
  /**
   * Writes the limits onto groups that exist (what `create` writes after making them; `mydocker
   * update` on a running container), in an order the kernel accepts from the limits in place.
   */
  update(paths: CgroupPaths, limits: Limits): void;
  /**
   * Moves a process into the groups (its pid written to each cgroup.procs). With `unlessMember`,
   * a group that already lists it is left alone: the first process joins by itself (joinFiles),
   * and this only checks, and moves it where it did not.
   */
  addProcess(paths: CgroupPaths, pid: number, options?: { unlessMember?: boolean }): void;
  /**
   * The files a process writes "0" into to join the groups itself: v1's `tasks` (the writer's own
   * thread only, which spares the kernel the process-wide lock of a cgroup.procs move: the first
   * process is single-threaded), v2's `cgroup.procs` (v2 moves no lone thread across domains).
   */
  joinFiles(paths: CgroupPaths): string[];
  /** The files a pid is written to to join the groups (cgroup.procs of each). */
  procsFiles(paths: CgroupPaths): string[];
  /**
   * Removes the groups, then those of `levels` (directories above them: missingLevels() before
   * create) that are left empty, deepest first. Idempotent.
   */
  remove(paths: CgroupPaths, levels?: readonly string[]): void;
  /** Whether the kernel's OOM killer killed a process of this group. */
  oomKilled(paths: CgroupPaths): boolean;
  /** What `mydocker stats` shows, read from the groups. */
  stats(paths: CgroupPaths): ContainerStats;
  /**
   * What the container's first process does, once in its groups, so that it sees them (and only
   * them) at /sys/fs/cgroup: a cgroup namespace rooted there, and the mounts, read-only unless
   * `writable` (--privileged).
   */
  views(paths: CgroupPaths, writable: boolean): InitStep[];
}
