#!/usr/bin/env node
// `node bench/parallel.mjs`: wall time of N (default 20, BENCH_PARALLEL) parallel `run -d busybox
// sleep 1d`, then of N parallel `rm -f` of them, in a state root of its own (issue 13's figures;
// Docker does 3.5 s and 1.8 s on a 2-core machine). A benchmark, not a test: it prints figures and
// asserts nothing beyond each command's success. Run as root, after `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../dist/src/cli/main.cjs');
const count = Number(process.env.BENCH_PARALLEL ?? 20);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-'));
const env = { PATH: process.env.PATH, MYDOCKER_ROOT: root, MYDOCKER_CGROUP_PARENT: `mydocker-bench-${path.basename(root)}` };
const ipForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

function mydocker(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`mydocker ${args.join(' ')} exited ${code}: ${err.trim()}`))));
  });
}

async function timed(work) {
  const start = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

try {
  if (spawnSync(process.execPath, [cli, 'run', '--rm', 'busybox', 'true'], { env }).status !== 0) throw new Error('cannot build the busybox image');
  for (let round = 1; round <= rounds; round++) {
    const runs = await timed(() => Promise.all(Array.from({ length: count }, () => mydocker(['run', '-d', 'busybox', 'sleep', '1d']))));
    const removes = await timed(() => Promise.allSettled(runs.result.map((id) => mydocker(['rm', '-f', id]))));
    const failed = removes.result.filter((r) => r.status === 'rejected');
    console.log(`round ${round}: ${count} parallel run -d: ${runs.seconds.toFixed(2)} s; ${count} parallel rm -f: ${removes.seconds.toFixed(2)} s${failed.length ? ` (${failed.length} failed: ${failed[0].reason.message})` : ''}`);
    // A failed removal is retried, untimed, so that the next round starts from an empty root.
    for (const id of runs.result) await mydocker(['rm', '-f', id]).catch(() => {});
    // The shims' cleanups of the removed containers may still be running: let them end.
    for (let i = 0; i < 200 && processesMentioning(root).length > 0; i++) await new Promise((r) => setTimeout(r, 25));
  }
} finally {
  for (const pid of processesMentioning(root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  spawnSync(process.execPath, [cli, 'network', 'rm', 'bridge'], { env, stdio: 'ignore' });
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', ipForward);
  fs.rmSync(root, { recursive: true, force: true });
}

function processesMentioning(text) {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).flatMap((e) => {
    try {
      return fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text) ? [Number(e)] : [];
    } catch {
      return [];
    }
  });
}
