#!/usr/bin/env node
// `npm run bench`: what one `mydocker run --rm busybox /bin/true` (and an exec, a `ps -a`) costs,
// against a bare `node -e 0` measured in the same rounds on the same machine (bench/rounds.mjs: each
// round runs every command once, in rotating order; a ratio is the median of the rounds' ratios),
// and against runc and crun where installed (on the same busybox root); then what confinement costs
// a run and an exec (bench/confinement.mjs), the library API's throughput against a runc loop
// (bench/library.mjs), and mydocker-runc against runc (bench/oci.mjs).
// BENCH_BASELINE=DIR adds another built checkout (e.g. a worktree of an older commit) to the same
// rounds, for a before/after table measured side by side.
// Every command runs without NODE_EXTRA_CA_CERTS, mydocker's and `node -e 0` alike: where it is set,
// each Node start parses its certificates (~60 ms here), which users rarely pay;
// BENCH_KEEP_CA_CERTS=1 keeps it. A benchmark, not a test: it prints figures and asserts nothing.
// Run as root.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatConfinement, measureConfinement } from './confinement.mjs';
import { formatLibrary, measureLibrary, ociBundle } from './library.mjs';
import { formatOci, measureOci } from './oci.mjs';
import { difference, measureRounds, median, ratio } from './rounds.mjs';
import { Subject } from './subject.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const env = { ...process.env };
if (process.env.BENCH_KEEP_CA_CERTS !== '1') delete env.NODE_EXTRA_CA_CERTS;
const ipForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const TARGETS = {
  'run --rm busybox /bin/true': 2.8,
  'run --rm --net none busybox /bin/true': 2.5,
  'exec NAME /bin/true': 2.0,
  'ps -a (201 containers)': 1.5,
};

const subjects = [];
try {
  if (process.getuid() !== 0) throw new Error('run the benchmark as root');
  const current = new Subject('this checkout', path.resolve(here, '..'), env);
  subjects.push(current);
  const baseline = process.env.BENCH_BASELINE ? new Subject(`baseline ${process.env.BENCH_BASELINE}`, path.resolve(process.env.BENCH_BASELINE), env) : null;
  if (baseline) subjects.push(baseline);
  // One after the other: each makes its default network, which must not take the other's subnet.
  for (const subject of subjects) subject.prepare();

  const commands = { 'node -e 0': [process.execPath, '-e', '0'] };
  for (const [name, argv] of Object.entries(current.commands())) commands[name] = argv;
  if (baseline) for (const [name, argv] of Object.entries(baseline.commands())) commands[`baseline: ${name}`] = argv;

  const notMeasured = [];
  for (const runtime of ['runc', 'crun']) {
    const bin = which(runtime);
    if (!bin) {
      notMeasured.push(`${runtime}: not installed`);
      continue;
    }
    const bundle = ociBundle(bin, current.root, `bundle-${path.basename(bin)}`);
    // A fixed container name is fine: the rounds run one command at a time and `run` deletes it.
    const argv = [bin, 'run', '--bundle', bundle, `mydocker-bench-${runtime}`];
    const probe = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    if (probe.status !== 0) {
      notMeasured.push(`${runtime}: fails on this host (${(probe.stderr || probe.stdout).trim().split('\n').pop()})`);
      continue;
    }
    commands[`${runtime} run /bin/true`] = argv;
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
    const tarball = path.join(current.root, 'large.tar');
    execFileSync('tar', ['-C', largeDir, '-cf', tarball, '.']);
    current.mydocker('import', tarball, 'large');
    fs.rmSync(tarball);
  } finally {
    fs.rmSync(largeDir, { recursive: true, force: true });
  }
  const large = `run --rm large (${largeMb} MB) /bin/true`;
  commands[large] = current.argv('run', '--rm', '--net', 'none', 'large', '/bin/true');

  const times = measureRounds(commands, { runs, env });
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`\n${runs} rounds (each command once a round, rotating order), ${os.cpus().length} cores, node ${process.version}, load average ${load}`);
  console.log(`${'command'.padEnd(52)}${'median ms'.padStart(10)}${'min ms'.padStart(9)}${'x node -e 0'.padStart(13)}${'target'.padStart(8)}`);
  for (const [name, series] of Object.entries(times)) {
    const target = TARGETS[name.replace(/^baseline: /, '')];
    const x = name === 'node -e 0' ? 1 : ratio(times, name, 'node -e 0');
    console.log(`${name.padEnd(52)}${median(series).toFixed(1).padStart(10)}${Math.min(...series).toFixed(1).padStart(9)}${x.toFixed(2).padStart(13)}${(target ? `${target}` : '').padStart(8)}`);
  }
  for (const line of notMeasured) console.log(`(not measured: ${line})`);
  const bridge = (prefix) => difference(times, `${prefix}run --rm busybox /bin/true`, `${prefix}run --rm --net none busybox /bin/true`);
  console.log(
    `the default network adds ${bridge('').toFixed(1)} ms to a run${baseline ? ` (baseline: ${bridge('baseline: ').toFixed(1)} ms)` : ''}: median of the rounds' differences; target at most 15 ms`,
  );
  console.log(`the large image: ${ratio(times, large, 'run --rm --net none busybox /bin/true').toFixed(2)} x busybox (target at most 1.10)`);
  if (env.NODE_EXTRA_CA_CERTS) console.log('(NODE_EXTRA_CA_CERTS kept: ratios are not comparable with the targets)');

  // What stays behind a detached container: its shim (the container's own processes aside).
  const info = JSON.parse(current.mydocker('inspect', 'bench-exec'))[0];
  const shimPid = Number(fs.readFileSync(`/proc/${info.State.Pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const status = fs.readFileSync(`/proc/${shimPid}/status`, 'utf8');
  const rollup = fs.readFileSync(`/proc/${shimPid}/smaps_rollup`, 'utf8');
  const kb = (text, key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)[1]);
  console.log(`per detached container: shim ${fs.readFileSync(`/proc/${shimPid}/comm`, 'utf8').trim()} RSS ${kb(status, 'VmRSS')} kB, PSS ${kb(rollup, 'Pss')} kB (target: at most 2048 kB)`);
  for (const subject of subjects.splice(0)) subject.remove();

  console.log(formatConfinement(await measureConfinement(runs)));
  const libraryRoot = new Subject('library', path.resolve(here, '..'), env);
  subjects.push(libraryRoot);
  libraryRoot.mydocker('run', '--rm', '--net', 'none', 'busybox', 'true');
  console.log(formatLibrary(await measureLibrary({ cli: libraryRoot.cli, root: libraryRoot.root, runc: which('runc') })));
  console.log(formatOci(await measureOci({ root: libraryRoot.root, env, runs: Math.min(runs, 15), runc: which('runc'), ctr: which('ctr') })));
} finally {
  // Whatever is left (a failed measurement, an interrupted run) is removed with its root.
  for (const subject of subjects) subject.remove();
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForward);
}
