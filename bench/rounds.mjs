// Round-robin timing for a shared, noisy machine: every round runs each command once, in an order
// that rotates from round to round, so a slow spell weighs on all the commands of its round alike
// instead of on whichever series hyperfine happened to be running. A command's cost relative to
// another is then the median over rounds of the ratio (or difference) measured within one round.
import { spawnSync } from 'node:child_process';

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Milliseconds of one run of argv, which must exit 0. */
function once(argv, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * `commands`: name → argv. Returns name → the times of its runs, index i being round i's.
 * `warmup` rounds first, not recorded (page cache, the first cgroups, a seccomp cache).
 */
export function measureRounds(commands, { runs, env, warmup = 2 }) {
  const names = Object.keys(commands);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let w = 0; w < warmup; w++) for (const name of names) once(commands[name], env);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + i) % names.length];
      times[name].push(once(commands[name], env));
    }
  }
  return times;
}

/** The median over rounds of a's time divided by (or minus) b's in the same round. */
export const ratio = (times, a, b) => median(times[a].map((t, i) => t / times[b][i]));
export const difference = (times, a, b) => median(times[a].map((t, i) => t - times[b][i]));
