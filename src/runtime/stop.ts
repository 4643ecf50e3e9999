// `stop` and `kill`: signals to a container's PID 1, from any process. The process that ran the
// container (its parent) records the exit and releases it; `rm` does, if that process is gone.
// PID 1 has no default signal actions: a SIGTERM it does not handle is ignored, hence the SIGKILL.
// A paused container's processes take a signal only once thawed: as Docker's, SIGKILL (and the
// container's own --stop-signal) thaws it right after the signal; any other waits for `unpause`.
import { constants as osConstants } from 'node:os';
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus, isPaused } from '../container/status.js';
import { cgroupPathsIn, freezerIn, thawGroup } from '../container/freezer.js';
import { isSameProcessAlive } from '../container/proc-stat.js';
import { MydockerError } from '../errors.js';

const POLL_MS = 20;
/** Docker's: seconds between the stop signal and SIGKILL. */
export const DEFAULT_STOP_TIMEOUT = 10;

/**
 * The container's stop signal (SIGTERM unless `--stop-signal`), up to `timeoutSeconds` (default:
 * its `--stop-timeout`, else 10) for it to end, then SIGKILL. Not running: nothing to do.
 */
export async function stopContainer(record: ContainerRecord, timeoutSeconds?: number): Promise<void> {
  if (deriveStatus(record) !== 'running') return;
  const { pid, pidStartTime } = record.state;
  const alive = (): boolean => isSameProcessAlive(pid, pidStartTime);
  timeoutSeconds ??= record.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  const signal = record.stopSignal === undefined ? 'SIGTERM' : /^\d+$/.test(record.stopSignal) ? Number(record.stopSignal) : (record.stopSignal as NodeJS.Signals);
  signalContainer(record, signal);
  if (await until(() => !alive(), timeoutSeconds * 1000)) return;
  signalContainer(record, 'SIGKILL');
  if (!(await until(() => !alive(), 10_000))) {
    throw new MydockerError(`container ${record.name} did not end after SIGKILL`, { hint: 'its process may be stuck in the kernel (D state)' });
  }
}

export function killContainer(record: ContainerRecord, signal: NodeJS.Signals | number): void {
  if (deriveStatus(record) !== 'running') {
    throw new MydockerError(`cannot kill container ${record.name}: it is not running`, { exitCode: 1 });
  }
  signalContainer(record, signal);
}

function signalContainer(record: ContainerRecord, signal: NodeJS.Signals | number): void {
  const paused = isPaused(record);
  signalPid(record.state.pid!, signal);
  const group = freezerIn(cgroupPathsIn(record.pluginState));
  if (paused && thawsForSignal(signal, record.stopSignal) && group !== undefined) thawGroup(group);
}

/** Docker's rule: SIGKILL thaws a paused container, and so does the container's own --stop-signal. */
export function thawsForSignal(signal: NodeJS.Signals | number, stopSignal: string | undefined): boolean {
  const number = signalNumber(signal);
  return number === osConstants.signals.SIGKILL || (stopSignal !== undefined && number === signalNumber(stopSignal));
}

function signalNumber(signal: NodeJS.Signals | number | string): number | undefined {
  if (typeof signal === 'number') return signal;
  if (/^\d+$/.test(signal)) return Number(signal);
  return osConstants.signals[signal as NodeJS.Signals];
}

function signalPid(pid: number, signal: NodeJS.Signals | number): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ERR_UNKNOWN_SIGNAL') throw new MydockerError(`invalid signal ${signal}`, { hint: 'e.g. TERM, SIGHUP or 9' });
    if (code !== 'ESRCH') throw error;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
