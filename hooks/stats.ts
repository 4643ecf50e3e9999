// What `mydocker stats` shows of a running container, and how a plugin provides it: a stats
// provider registered with `api.registerStatsProvider(provider)` (the built-in cgroups plugin
// reads the container's cgroups). Called in the CLI's process (or a script's), outside any hook.
import type { ContainerInfo, PluginState } from './container.js';

export interface ContainerStats {
  /** CPU time used, in nanoseconds. */
  cpuNanos: number;
  memoryBytes: number;
  /** The memory limit in bytes, or null when unlimited. */
  memoryLimit: number | null;
  pids: number;
}

export interface StatsContext {
  /** The running container. */
  readonly container: ContainerInfo;
  /** The state the registering plugin saved for it (its taps' `ctx.state`); `{}` when none. */
  readonly state: PluginState;
}

export interface StatsProvider {
  /** A running container's usage, or null when this provider cannot tell (the next one is asked). */
  readStats(ctx: StatsContext): ContainerStats | null | Promise<ContainerStats | null>;
}
