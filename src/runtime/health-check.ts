// One health check of a running container (`mydocker healthcheck ID`, what its shim — or, in the
// foreground, its `run` — starts every interval): the check's command through the ordinary exec
// path (the container's namespaces, cgroups, user and confinement), killed at the timeout, its
// result folded into health.json (written whole, by rename) and, when the status changes, a
// `health_status: STATUS` event. A result that arrives after the container stopped or started again
// is dropped: it is not about this run.
import { MydockerError } from '../errors.js';
import { deriveStatus } from '../container/status.js';
import { clipOutput, effectiveHealth, initialHealth, nextHealth, timeoutOutput, type CheckResult, type HealthState } from '../container/health.js';
import { readHealth, writeHealth } from '../container/health-file.js';
import { isStateFileError } from '../../hooks/state-file.js';
import type { ContainerRecord } from '../container/record.js';
import type { RuntimeInternals } from './internals.js';

export interface HealthCheckOutcome {
  /** The state after this check; null when no check was made (none configured, not running, stopped meanwhile). */
  state: HealthState | null;
}

export async function runHealthCheck(rt: RuntimeInternals, ref: string, now: () => Date = () => new Date()): Promise<HealthCheckOutcome> {
  const record = rt.containers.resolve(ref);
  if (!record.healthcheck || deriveStatus(record) !== 'running') return { state: null };
  const health = effectiveHealth(record.healthcheck);
  const result = await probe(rt, record, health.argv, health.timeoutNs / 1e6, now);

  const current = rt.containers.load(record.id);
  if (deriveStatus(current) !== 'running' || current.state.pidStartTime !== record.state.pidStartTime || current.state.pid !== record.state.pid) return { state: null };
  const stateDir = rt.containers.dir(record.id);
  let previous: HealthState;
  try {
    previous = readHealth(stateDir) ?? initialHealth();
  } catch (error) {
    if (!isStateFileError(error)) throw error;
    previous = initialHealth(); // a damaged file is replaced by what this check knows
  }
  const state = nextHealth(previous, result, health, new Date(current.state.startedAt ?? current.created));
  writeHealth(stateDir, state);
  if (state.Status !== previous.Status) {
    const { eventAttributes, recordEvent } = await import('./events.js');
    recordEvent(rt.root.dir, `health_status: ${state.Status}`, record.id, eventAttributes(record));
  }
  return { state };
}

async function probe(rt: RuntimeInternals, record: ContainerRecord, argv: string[], timeoutMs: number, now: () => Date): Promise<CheckResult> {
  const { exec } = await import('./containers.js');
  const start = now();
  let proc;
  try {
    proc = await exec(rt, record.id, { command: argv, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // Docker records a check that could not start (not found, not executable) as a failure.
    if (error instanceof MydockerError && error.exitCode >= 126) return { start, end: now(), exitCode: error.exitCode, output: error.message };
    throw error;
  }
  const chunks: Buffer[] = [];
  let kept = 0;
  const closed: Array<Promise<void>> = [];
  for (const stream of [proc.pipes.stdout, proc.pipes.stderr]) {
    if (!stream) continue;
    stream.on('data', (chunk: Buffer) => {
      if (kept >= 4096) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    closed.push(new Promise((resolve) => stream.once('close', () => resolve())));
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.signal('SIGKILL');
  }, Math.min(timeoutMs, 2 ** 31 - 1));
  const code = await proc.wait();
  clearTimeout(timer);
  // The output still in the pipes; not longer than a moment (a process the check left behind may hold them).
  await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  const end = now();
  if (timedOut) return { start, end, exitCode: -1, output: timeoutOutput(timeoutMs * 1e6) };
  return { start, end, exitCode: code, output: clipOutput(Buffer.concat(chunks)) };
}
