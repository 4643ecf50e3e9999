// Linux's resource limits by name (<sys/resource.h>), for `run --ulimit` (Docker's names: nofile,
// nproc, ...) and an OCI config's process.rlimits (RLIMIT_NOFILE, ...), which mydocker-init sets with
// setrlimit(2) before the user's program (its launch field 13).
import { MydockerError } from '../errors.js';

export const RLIMIT_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7,
  memlock: 8, as: 9, locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
});

/** A limit as Docker keeps it (HostConfig.Ulimits); -1: unlimited. */
export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/**
 * `--ulimit NAME=SOFT[:HARD]` as Docker's (go-units ParseUlimit): HARD defaults to SOFT, -1 is
 * unlimited, SOFT may not exceed HARD.
 */
export function parseUlimit(spec: string): Ulimit {
  const fail = (reason: string): never => {
    throw new MydockerError(`invalid --ulimit "${spec}": ${reason}`, { hint: 'NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1: unlimited)' });
  };
  const eq = spec.indexOf('=');
  if (eq <= 0) fail('no NAME=');
  const name = spec.slice(0, eq);
  if (!Object.hasOwn(RLIMIT_NUMBERS, name)) fail(`"${name}" is no resource limit (${Object.keys(RLIMIT_NUMBERS).join(', ')})`);
  const match = /^(-1|\d{1,19})(?::(-1|\d{1,19}))?$/.exec(spec.slice(eq + 1));
  if (!match) fail('the limits are whole numbers or -1');
  const soft = Number(match![1]);
  const hard = match![2] === undefined ? soft : Number(match![2]);
  if (!Number.isSafeInteger(soft) || !Number.isSafeInteger(hard)) fail('a limit too large');
  if (hard !== -1 && (soft === -1 || soft > hard)) fail(`the soft limit must not exceed the hard limit (${soft} > ${hard})`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** `--ulimit` flags, the last of each name winning (as Docker's). */
export function parseUlimits(specs: readonly string[]): Ulimit[] {
  const byName = new Map<string, Ulimit>();
  for (const spec of specs) {
    const limit = parseUlimit(spec);
    byName.set(limit.Name, limit);
  }
  return [...byName.values()];
}

/** What the init's launch message carries (InitConfig.rlimits). */
export function initRlimits(ulimits: readonly Ulimit[] | undefined): Array<{ resource: number; soft: number; hard: number }> {
  return (ulimits ?? []).map((u) => ({ resource: RLIMIT_NUMBERS[u.Name]!, soft: u.Soft, hard: u.Hard }));
}
