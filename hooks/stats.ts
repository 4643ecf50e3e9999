// What `mydocker stats` shows of a running container, and how a plugin provides it: a plugin
// object with a `readStats` member measures the containers it saved state for (the built-in
// cgroups plugin reads their cgroups). Read in the CLI's process, outside any hook.
import type { Plugin, PluginState } from './index.js';

export interface ContainerStats {
  /** CPU time used, in nanoseconds. */
  cpuNanos: number;
  memoryBytes: number;
  /** The memory limit in bytes, or null when unlimited. */
  memoryLimit: number | null;
  pids: number;
}

export interface StatsProvider {
  /** A running container's usage, from the state this plugin saved for it; null when it saved none. */
  readStats(state: PluginState): ContainerStats | null;
}

export function providesStats(plugin: Plugin): plugin is Plugin & StatsProvider {
  return typeof (plugin as Partial<StatsProvider>).readStats === 'function';
}
