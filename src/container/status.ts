// Status as users see it, derived from the record and the live process table when read.
import type { ContainerRecord } from './record.js';
import { isSameProcessAlive } from './proc-stat.js';
import { cgroupPathsIn, freezerIn, isGroupFrozen } from './freezer.js';

export type ContainerStatus = 'created' | 'running' | 'exited';

/**
 * Whether a detached container is between an end and its restart policy's next start: its shim's
 * cleanup waits out the back-off (alive), and no user stopped it meanwhile.
 */
export function isRestarting(record: ContainerRecord, procRoot = '/proc'): boolean {
  const waiting = record.restart?.waiting;
  if (!waiting || record.restart?.manuallyStopped) return false;
  return deriveStatus(record, procRoot) !== 'running' && isSameProcessAlive(waiting.pid, waiting.startTime, procRoot);
}

export function deriveStatus(record: ContainerRecord, procRoot = '/proc'): ContainerStatus {
  const { state } = record;
  if (state.status === 'running') {
    // Stored as running but the process is gone (mydocker was killed, or the host rebooted).
    return isSameProcessAlive(state.pid, state.pidStartTime, procRoot) ? 'running' : 'exited';
  }
  if (state.status === 'created' && state.pid !== null && isSameProcessAlive(state.pid, state.pidStartTime, procRoot)) {
    // A run killed between launch and "go": its first process still waits.
    return 'running';
  }
  return state.status;
}

/**
 * Whether a running container is paused: its cgroup frozen (`pause`). Still 'running' for
 * deriveStatus (its processes live); `ps` and `inspect` show it as paused.
 */
export function isPaused(record: ContainerRecord, procRoot = '/proc'): boolean {
  const group = freezerIn(cgroupPathsIn(record.pluginState));
  return group !== undefined && deriveStatus(record, procRoot) === 'running' && isGroupFrozen(group);
}
