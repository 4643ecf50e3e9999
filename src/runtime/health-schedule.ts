// The health checks of a foreground container: the `run` process stays for the container's life, so
// it schedules them itself, as the shim does for a detached one (shim/mydocker-shim.c, --health):
// the same `mydocker healthcheck ID` command, the start interval or the interval (nextCheckDelayMs)
// after the start and then after each check ended, one at a time, killed past its limit, and none
// after the container has ended. The command exits 0 when its check passed.
import { spawn, type ChildProcess } from 'node:child_process';
import { nextCheckDelayMs, type HealthCheckTimes } from '../container/health.js';

export interface HealthSchedule {
  /** No more checks; the one running is killed. */
  stop(): void;
}

/** The longest setTimeout Node honours (a longer one fires at once); an interval of weeks is cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function scheduleHealthChecks(argv: string[], times: HealthCheckTimes): HealthSchedule {
  const started = Date.now();
  let passedOnce = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: ChildProcess | undefined;
  const next = (): void => {
    if (stopped) return;
    timer = setTimeout(check, Math.min(nextCheckDelayMs(times, Date.now() - started, passedOnce), MAX_TIMER_MS));
    timer.unref(); // the container keeps `run` alive, not its checks
  };
  const check = (): void => {
    if (stopped) return;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
    running = child;
    const limit = setTimeout(() => child.kill('SIGKILL'), Math.min(times.limitMs, MAX_TIMER_MS));
    limit.unref();
    child.unref();
    let ended = false;
    const done = (code: number | null): void => {
      if (ended) return;
      ended = true;
      clearTimeout(limit);
      running = undefined;
      if (code === 0) passedOnce = true;
      next();
    };
    child.once('exit', (code) => done(code));
    child.once('error', () => done(null));
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
