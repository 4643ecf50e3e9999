// Docker's restart policies (`run -d --restart`): which ends a detached container is started again
// after, and how long it waits first. Pure: the shim's cleanup (runtime/restart.ts) acts on it.
//   no              never
//   on-failure[:N]  after a non-zero exit, at most N times (unlimited without N)
//   always          after any end
//   unless-stopped  after any end
// A container stopped or killed by a user is not started again, whatever the policy (Docker's
// "manually stopped"; `always` differs from `unless-stopped` only across daemon restarts, which a
// daemonless runtime has none of). Back-off as Docker's: 100 ms, doubled after each run shorter
// than 10 s, at most a minute; a run of 10 s or more starts the count again.
import { MydockerError } from '../errors.js';

export type RestartPolicyName = 'no' | 'on-failure' | 'always' | 'unless-stopped';

export interface RestartPolicy {
  name: RestartPolicyName;
  /** on-failure's N; 0 is unlimited. */
  maxRetries: number;
}

export const FIRST_DELAY_MS = 100;
export const MAX_DELAY_MS = 60_000;
const STEADY_RUN_MS = 10_000;

export function parseRestartPolicy(text: string): RestartPolicy {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text);
  if (!match || (match[2] !== undefined && match[1] !== 'on-failure')) {
    throw new MydockerError(`invalid restart policy "${text}"`, { hint: 'no, on-failure[:MAX-RETRIES], always or unless-stopped' });
  }
  return { name: match[1] as RestartPolicyName, maxRetries: match[2] === undefined ? 0 : Number(match[2]) };
}

export interface RestartFacts {
  policy: RestartPolicy;
  exitCode: number | null;
  /** Restarts so far since the user last started it. */
  restartCount: number;
  manuallyStopped: boolean;
}

export function shouldRestart(f: RestartFacts): boolean {
  if (f.manuallyStopped || f.policy.name === 'no') return false;
  if (f.policy.name === 'on-failure') {
    if (f.exitCode === 0) return false;
    return f.policy.maxRetries === 0 || f.restartCount < f.policy.maxRetries;
  }
  return true;
}

/** The wait before the next start, from the last one's and how long the run that ended lasted. */
export function nextDelay(previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= STEADY_RUN_MS) return FIRST_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}
