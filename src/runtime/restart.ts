// A detached container's restart policy at work: the shim's cleanup (`mydocker cleanup ID`, which the
// shim execs when PID 1 ends), once the end is recorded and released, decides under the container's
// lock whether it is due to start again, records that it waits (so `ps` shows "Restarting"), waits
// out the back-off, and starts it through `start`, which checks under the lock again that no user
// stopped or started it meanwhile. A `rm -f` meanwhile kills this process with the shim's group.
import type { RuntimeInternals } from './internals.js';
import { deriveStatus } from '../container/status.js';
import { endOf } from '../container/exit-file.js';
import { processStartTime } from '../container/proc-stat.js';
import { nextDelay, shouldRestart } from '../container/restart-policy.js';

export async function restartIfDue(rt: RuntimeInternals, id: string, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))): Promise<void> {
  const { lockContainer } = await import('../container/lock.js');
  const delay = await lockContainer(rt.kernel, rt.containers, id, async () => {
    if (!rt.containers.exists(id)) return null;
    const record = rt.containers.load(id);
    const restart = record.restart;
    if (!restart || deriveStatus(record) === 'running') return null;
    const { exitCode } = endOf(record);
    if (!shouldRestart({ policy: restart.policy, exitCode, restartCount: restart.count, manuallyStopped: restart.manuallyStopped ?? false })) return null;
    const ran = Date.parse(record.state.finishedAt ?? '') - Date.parse(record.state.startedAt ?? '');
    restart.delayMs = nextDelay(restart.delayMs, Number.isNaN(ran) ? 0 : ran);
    restart.waiting = { pid: process.pid, startTime: processStartTime(process.pid), since: new Date().toISOString() };
    rt.containers.save(record);
    return restart.delayMs;
  });
  if (delay === null) return;
  await sleep(delay);
  const { start } = await import('./containers.js');
  await start(rt, id, { restarting: true });
}
