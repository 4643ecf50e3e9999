#!/usr/bin/env node
// `npm run bench` (part): the library API's throughput. One Node process runs /bin/true containers
// one after the other through `runtime.run()` (no network, removed when they end), against a loop of
// `runc run` on the same busybox root, measured side by side: batches of each alternate, so a slow
// spell of this shared machine weighs on both. A benchmark, not a test: it prints, asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Containers per second: `total` sequential /bin/true containers in batches of `batch`, mydocker's
 * and runc's batches alternating. `runc`: the runc binary, or null where there is none.
 */
export async function measureLibrary({ cli, root, runc, total = 100, batch = 10 }) {
  const { createRuntime } = await import(path.resolve(path.dirname(cli), '../index.js'));
  const runtime = await createRuntime({ root });
  const runOne = async () => {
    const container = await runtime.run({ image: 'busybox', command: ['/bin/true'], autoRemove: true, options: { network: 'none' }, stdio: ['ignore', 'ignore', 'ignore'] });
    const code = await container.wait();
    if (code !== 0) throw new Error(`a library container exited ${code}`);
  };
  const bundle = runc ? ociBundle(runc, root, 'bundle-library') : null;
  const runcOne = () => {
    const r = spawnSync(runc, ['run', '--bundle', bundle, 'mydocker-bench-library'], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`runc run exited ${r.status}`);
  };
  await runOne(); // the image, the first cgroups, the seccomp program cache
  if (bundle) runcOne();
  let ours = 0;
  let theirs = 0;
  for (let done = 0; done < total; done += batch) {
    let start = performance.now();
    for (let i = 0; i < batch; i++) await runOne();
    ours += performance.now() - start;
    if (!bundle) continue;
    start = performance.now();
    for (let i = 0; i < batch; i++) runcOne();
    theirs += performance.now() - start;
  }
  return { total, perSecond: (total * 1000) / ours, runcPerSecond: bundle ? (total * 1000) / theirs : null };
}

export function formatLibrary(r) {
  const runc = r.runcPerSecond === null ? 'runc not installed' : `a runc run loop ${r.runcPerSecond.toFixed(1)}/s side by side, ratio ${(r.perSecond / r.runcPerSecond).toFixed(2)}`;
  return `library API: ${r.total} sequential /bin/true containers from one process, ${r.perSecond.toFixed(1)}/s; ${runc} (target: at least 2x runc)`;
}

/** An OCI bundle `name` over the busybox image's layer of `root`, running /bin/true, from `runtime spec`. */
export function ociBundle(runtime, root, name) {
  const layers = fs.readdirSync(path.join(root, 'layers'));
  const bundle = path.join(root, name);
  fs.mkdirSync(bundle, { recursive: true });
  fs.rmSync(path.join(bundle, 'config.json'), { force: true });
  execFileSync(runtime, ['spec'], { cwd: bundle });
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  config.root = { path: path.join(root, 'layers', layers[0], 'diff'), readonly: true };
  config.process.terminal = false;
  config.process.args = ['/bin/true'];
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  return bundle;
}
