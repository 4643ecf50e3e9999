// The health checks of a foreground container: the `run` process stays for the container's life, so
// it schedules them itself, as the shim does for a detached one (shim/mydocker-shim.c, --health):
// the same `mydocker healthcheck ID` command, `interval` after the start and then after each check
// ended, one at a time, killed past its limit, and none after the container has ended.
import { spawn, type ChildProcess } from 'node:child_process';

export interface HealthSchedule {
  /** No more checks; the one running is killed. */
  stop(): void;
}

/** The longest setTimeout Node honours (a longer one fires at once); an interval of weeks is cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function scheduleHealthChecks(argv: string[], intervalMs: number, limitMs: number): HealthSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: ChildProcess | undefined;
  const next = (): void => {
    if (stopped) return;
    timer = setTimeout(check, Math.min(intervalMs, MAX_TIMER_MS));
    timer.unref(); // the container keeps `run` alive, not its checks
  };
  const check = (): void => {
    if (stopped) return;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
    running = child;
    const limit = setTimeout(() => child.kill('SIGKILL'), Math.min(limitMs, MAX_TIMER_MS));
    limit.unref();
    child.unref();
    const done = (): void => {
      clearTimeout(limit);
      running = undefined;
      next();
    };
    child.once('exit', done);
    child.once('error', done);
  };
  next();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      running?.kill('SIGKILL');
    },
  };
}
