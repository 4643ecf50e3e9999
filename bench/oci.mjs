#!/usr/bin/env node
// `npm run bench` (part): mydocker-runc against runc, as containerd uses them (issue 15's aim:
// create + start + delete under 2.5 x runc's). Two measurements, runc's and mydocker-runc's runs
// alternated within each round:
//   - the OCI lifecycle by hand on a busybox bundle running /bin/true: `create`, `start`, then
//     (untimed) waiting for `state` to say stopped, then `delete`;
//   - `ctr run --rm IMG ID /bin/true` through a private containerd (test/support/containerd.ts,
//     started and removed here), with --runc-binary naming each runtime.
// mydocker-runc runs through a two-line sh wrapper (a runtime must be one executable) that drops
// NODE_EXTRA_CA_CERTS, as every other bench command does (BENCH_KEEP_CA_CERTS=1 keeps it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ociBundle } from './library.mjs';
import { median } from './rounds.mjs';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

/** `create` passes its stdio to the container's waiting process: no pipe of ours may be among it. */
function timed(argv, env, stdio = ['ignore', 'ignore', 'pipe']) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', stdio });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim()}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function waitStopped(bin, id, env) {
  for (let i = 0; i < 500; i++) {
    const r = spawnSync(bin, ['state', id], { env, encoding: 'utf8' });
    if (r.status === 0 && JSON.parse(r.stdout).status === 'stopped') return;
  }
  throw new Error(`${bin}: ${id} did not stop`);
}

/** One create/start/delete of `bin` on `bundle`: the three times. */
function lifecycle(bin, bundle, id, env) {
  const create = timed([bin, 'create', '--bundle', bundle, id], env, 'ignore');
  const start = timed([bin, 'start', id], env);
  waitStopped(bin, id, env);
  const del = timed([bin, 'delete', id], env);
  return { create, start, delete: del };
}

/**
 * `root`: a mydocker state root holding the busybox image's layer (the bundles' rootfs).
 * Returns the medians, or `skipped` with the reason where runc (or containerd) is missing.
 */
export async function measureOci({ root, env, runs, runc, ctr }) {
  if (!runc) return { skipped: 'runc is not installed' };
  const wrapper = path.join(root, 'mydocker-runc');
  const unset = process.env.BENCH_KEEP_CA_CERTS === '1' ? '' : 'unset NODE_EXTRA_CA_CERTS\n';
  fs.writeFileSync(wrapper, `#!/bin/sh\n${unset}exec ${process.execPath} ${path.join(dist, 'src/cli/runc/main.cjs')} "$@"\n`, { mode: 0o755 });
  const runtimes = { runc, 'mydocker-runc': wrapper };
  const result = { runs, lifecycle: {}, ctr: null };

  const series = { runc: [], 'mydocker-runc': [] };
  const bundles = Object.fromEntries(Object.entries(runtimes).map(([name, bin]) => [name, ociBundle(bin, root, `bundle-oci-${name}`)]));
  for (let i = -1; i < runs; i++) {
    const order = i % 2 === 0 ? ['runc', 'mydocker-runc'] : ['mydocker-runc', 'runc'];
    for (const name of order) {
      const times = lifecycle(runtimes[name], bundles[name], `mydocker-bench-oci-${i + 1}`, env);
      if (i >= 0) series[name].push(times); // round -1 warms up
    }
  }
  for (const [name, list] of Object.entries(series)) {
    const m = (key) => median(list.map((t) => t[key]));
    result.lifecycle[name] = { create: m('create'), start: m('start'), delete: m('delete'), total: median(list.map((t) => t.create + t.start + t.delete)) };
  }

  if (!ctr) {
    result.ctr = { skipped: 'ctr is not installed (Debian\'s containerd package)' };
    return result;
  }
  const { containerdSkipReason, PrivateContainerd } = await import(`${dist}/test/support/containerd.js`);
  const { busyboxArchives } = await import(`${dist}/test/support/containerd-image.js`);
  const reason = containerdSkipReason();
  if (reason) {
    result.ctr = { skipped: reason };
    return result;
  }
  const containerd = await PrivateContainerd.start('bench');
  try {
    const archives = busyboxArchives(containerd.dir);
    const ns = containerd.namespace('bench');
    const imported = ns.ctr(['images', 'import', archives.plain.file]);
    if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
    const ctrTimes = { runc: [], 'mydocker-runc': [] };
    let n = 0;
    for (let i = -1; i < runs; i++) {
      const order = i % 2 === 0 ? ['runc', 'mydocker-runc'] : ['mydocker-runc', 'runc'];
      for (const name of order) {
        const args = ns.ctrArgs(['run', '--rm', '--fifo-dir', ns.fifoDir, '--runc-binary', runtimes[name], archives.plain.ref, `bench${n++}`, '/bin/true']);
        const t = timed(['ctr', ...args], env);
        if (i >= 0) ctrTimes[name].push(t);
      }
    }
    result.ctr = { runc: median(ctrTimes.runc), 'mydocker-runc': median(ctrTimes['mydocker-runc']) };
  } finally {
    containerd.stop();
  }
  return result;
}

export function formatOci(r) {
  if (r.skipped) return `mydocker-runc against runc: not measured (${r.skipped})`;
  const f = (t) => `${t.create.toFixed(0)} / ${t.start.toFixed(0)} / ${t.delete.toFixed(0)} ms`;
  const ours = r.lifecycle['mydocker-runc'];
  const theirs = r.lifecycle.runc;
  const lines = [
    `mydocker-runc create / start / delete (medians of ${r.runs}, alternated with runc): ${f(ours)}, together ${ours.total.toFixed(0)} ms; runc ${f(theirs)}, together ${theirs.total.toFixed(0)} ms; ratio ${(ours.total / theirs.total).toFixed(2)} (target: under 2.5)`,
  ];
  if (r.ctr?.skipped) lines.push(`ctr run --rm: not measured (${r.ctr.skipped})`);
  else if (r.ctr) {
    lines.push(
      `ctr run --rm IMG ID /bin/true: --runc-binary mydocker-runc ${r.ctr['mydocker-runc'].toFixed(0)} ms, runc ${r.ctr.runc.toFixed(0)} ms (medians, alternated), ratio ${(r.ctr['mydocker-runc'] / r.ctr.runc).toFixed(2)}`,
    );
  }
  return lines.join('\n');
}
