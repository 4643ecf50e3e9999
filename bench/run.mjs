#!/usr/bin/env node
// `npm run bench`: what one `mydocker run --rm busybox /bin/true` costs, against a bare `node -e 0`
// measured in the same run on the same machine, and against runc and crun where installed (on the
// same busybox root); then what confinement costs a run and an exec (bench/confinement.mjs), and the
// library API's throughput against a runc loop (bench/library.mjs). Uses hyperfine when present
// (apt-get install hyperfine), else its own loop. Every command runs without NODE_EXTRA_CA_CERTS,
// mydocker's and `node -e 0` alike: where it is set, each Node start parses its certificates
// (~60 ms here), which users rarely pay; BENCH_KEEP_CA_CERTS=1 keeps it.
// A benchmark, not a test: it prints figures and asserts nothing. Run as root.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatConfinement, measureConfinement } from './confinement.mjs';
import { formatLibrary, measureLibrary, ociBundle } from './library.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../dist/src/cli/main.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-'));
const env = { ...process.env, MYDOCKER_ROOT: root };
if (process.env.BENCH_KEEP_CA_CERTS !== '1') delete env.NODE_EXTRA_CA_CERTS;
const ipForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Own timing loop: wall time of whole commands through sh, like hyperfine's default. */
function timeCommand(command) {
  const times = [];
  for (let i = 0; i < 3; i++) spawnSync('sh', ['-c', command], { env, stdio: 'ignore' });
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync('sh', ['-c', command], { env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${command} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { median: median(times), min: Math.min(...times) };
}

/**
 * The cost of one thing (a minus b), with the runs of a and b alternated: on a shared, noisy
 * machine a slow spell then weighs on both alike, where back-to-back series would charge it to one.
 * The median of the pairwise differences, and the medians of each.
 */
function interleaved(a, b) {
  const times = { a: [], b: [], diff: [] };
  const once = (argv) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (let i = 0; i < 3; i++) {
    once(a);
    once(b);
  }
  for (let i = 0; i < runs; i++) {
    // Which goes first alternates too: the second of a pair may profit from the first's warm caches.
    let ta, tb;
    if (i % 2 === 0) {
      ta = once(a);
      tb = once(b);
    } else {
      tb = once(b);
      ta = once(a);
    }
    times.a.push(ta);
    times.b.push(tb);
    times.diff.push(ta - tb);
  }
  return { a: median(times.a), b: median(times.b), diff: median(times.diff) };
}

function hyperfine(commands) {
  const out = path.join(root, 'hyperfine.json');
  const args = ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', out, ...Object.values(commands)];
  const r = spawnSync('hyperfine', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('hyperfine failed');
  const results = JSON.parse(fs.readFileSync(out, 'utf8')).results;
  return Object.fromEntries(Object.keys(commands).map((name, i) => [name, { median: results[i].median * 1000, min: results[i].min * 1000 }]));
}

try {
  if (process.getuid() !== 0) throw new Error('run the benchmark as root');
  if (!fs.existsSync(cli)) throw new Error('build first: npm run build');
  // Build the busybox image once, outside the measurement.
  execFileSync(process.execPath, [cli, 'run', '--rm', 'busybox', 'true'], { env, stdio: 'inherit' });

  const commands = {
    'node -e 0': `${process.execPath} -e 0`,
    'mydocker run --rm busybox /bin/true': `${process.execPath} ${cli} run --rm busybox /bin/true`,
    // The same on no network: the difference is what the default bridge network costs a run.
    'mydocker run --rm --net none busybox /bin/true': `${process.execPath} ${cli} run --rm --net none busybox /bin/true`,
  };
  const notMeasured = [];
  for (const runtime of ['runc', 'crun']) {
    const bin = which(runtime);
    if (!bin) {
      notMeasured.push(`${runtime}: not installed`);
      continue;
    }
    const bundle = ociBundle(bin, root, `bundle-${path.basename(bin)}`);
    // hyperfine -N runs without a shell: a fixed container name is fine, `run` deletes it on exit.
    const args = ['run', '--bundle', bundle, `mydocker-bench-${runtime}`];
    const probe = spawnSync(bin, args, { encoding: 'utf8' });
    if (probe.status !== 0) {
      notMeasured.push(`${runtime}: fails on this host (${(probe.stderr || probe.stdout).trim().split('\n').pop()})`);
      continue;
    }
    commands[`${runtime} run /bin/true`] = `${bin} ${args.join(' ')}`;
  }

  // A large image (BENCH_LARGE_MB, default 300 MB: busybox plus data files), imported once: a run
  // stacks its layer, it copies nothing, so it should cost what a busybox run costs.
  const largeMb = Number(process.env.BENCH_LARGE_MB ?? 300);
  const largeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-large-'));
  try {
    fs.mkdirSync(path.join(largeDir, 'bin'));
    fs.mkdirSync(path.join(largeDir, 'data'));
    fs.copyFileSync('/bin/busybox', path.join(largeDir, 'bin/busybox'));
    fs.chmodSync(path.join(largeDir, 'bin/busybox'), 0o755);
    fs.symlinkSync('busybox', path.join(largeDir, 'bin/true'));
    const chunk = Buffer.alloc(1024 * 1024, 1);
    for (let i = 0; i < largeMb; i++) fs.writeFileSync(path.join(largeDir, 'data', `file-${i}`), chunk);
    const tarball = path.join(root, 'large.tar');
    execFileSync('tar', ['-C', largeDir, '-cf', tarball, '.']);
    execFileSync(process.execPath, [cli, 'import', tarball, 'large'], { env, stdio: 'ignore' });
    fs.rmSync(tarball);
  } finally {
    fs.rmSync(largeDir, { recursive: true, force: true });
  }
  commands[`mydocker run --rm large (${largeMb} MB) /bin/true`] = `${process.execPath} ${cli} run --rm large /bin/true`;

  // A detached container to exec into, and 200 stopped ones for `ps -a` (made 4 at a time).
  const mydocker = (...args) => execFileSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  mydocker('run', '-d', '--name', 'bench-exec', 'busybox', 'sleep', '1000000');
  const made = [];
  for (let i = 0; i < 200; i += 4) {
    made.push(
      ...[0, 1, 2, 3].map((j) => spawnSync('sh', ['-c', `${process.execPath} ${cli} run --name bench-ps-${i + j} busybox true`], { env, stdio: 'ignore' })),
    );
  }
  commands['mydocker exec NAME /bin/true'] = `${process.execPath} ${cli} exec bench-exec /bin/true`;
  commands['mydocker ps -a (201 containers)'] = `${process.execPath} ${cli} ps -a`;

  const useHyperfine = which('hyperfine') !== null;
  const results = useHyperfine ? hyperfine(commands) : Object.fromEntries(Object.entries(commands).map(([k, c]) => [k, timeCommand(c)]));
  const base = results['node -e 0'].median;
  console.log(`\n${useHyperfine ? 'hyperfine' : 'own loop'}, ${runs} runs each, ${os.cpus().length} cores, node ${process.version}`);
  console.log('command'.padEnd(40), 'median ms'.padStart(10), 'min ms'.padStart(8), 'x node -e 0'.padStart(12));
  for (const [name, r] of Object.entries(results)) {
    console.log(name.padEnd(40), r.median.toFixed(1).padStart(10), r.min.toFixed(1).padStart(8), (r.median / base).toFixed(2).padStart(12));
  }
  for (const line of notMeasured) console.log(`(not measured: ${line})`);
  console.log(
    `targets: run --net none at most 2.5 x, run (bridge) at most 2.8 x, exec at most 2.0 x, ps -a at most 1.5 x node -e 0; the large image at most 1.10 x busybox${env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS kept: ratios are not comparable)' : ''}`,
  );
  const net = interleaved([process.execPath, cli, 'run', '--rm', 'busybox', '/bin/true'], [process.execPath, cli, 'run', '--rm', '--net', 'none', 'busybox', '/bin/true']);
  console.log(
    `the default network adds ${net.diff.toFixed(1)} ms to a run (median of ${runs} alternated pairs: ${net.a.toFixed(1)} ms against ${net.b.toFixed(1)} ms with --net none; target: at most 15 ms)`,
  );

  // What stays behind a detached container: its shim (the container's own processes aside).
  const info = JSON.parse(mydocker('inspect', 'bench-exec'))[0];
  const shimPid = Number(fs.readFileSync(`/proc/${info.State.Pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const status = fs.readFileSync(`/proc/${shimPid}/status`, 'utf8');
  const rollup = fs.readFileSync(`/proc/${shimPid}/smaps_rollup`, 'utf8');
  const kb = (text, key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)[1]);
  console.log(`per detached container: shim ${fs.readFileSync(`/proc/${shimPid}/comm`, 'utf8').trim()} RSS ${kb(status, 'VmRSS')} kB, PSS ${kb(rollup, 'Pss')} kB (target: at most 2048 kB)`);
  mydocker('rm', '-f', 'bench-exec');
  mydocker('prune');
  console.log(formatConfinement(await measureConfinement(runs)));
  console.log(formatLibrary(await measureLibrary({ cli, root, runc: which('runc') })));
} finally {
  // Whatever is left (a failed measurement, an interrupted run) is removed before its root.
  const left = spawnSync(process.execPath, [cli, 'ps', '-aq'], { env, encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
  for (const id of left) spawnSync(process.execPath, [cli, 'rm', '-f', id], { env, stdio: 'ignore' });
  // The default network's bridge and rules, and the forwarding setting it turned on.
  spawnSync(process.execPath, [cli, 'network', 'rm', 'bridge'], { env, stdio: 'ignore' });
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForward);
  fs.rmSync(root, { recursive: true, force: true });
}
