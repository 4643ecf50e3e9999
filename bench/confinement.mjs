#!/usr/bin/env node
// What confinement costs a `run` and an `exec` (target: at most 2 ms each), in its three parts:
//   host side  the capability sets and the seccomp program (from its cache), the launch message,
//              and the sealed copy of mydocker-init (made once per command);
//   the window Docker's masked and read-only paths (mounts made by the runtime before pivot_root),
//              measured in a throwaway private mount namespace of the host;
//   the init   what mydocker-init does with a full launch message (bounding set, capset, seccomp,
//              keyring, close-on-exec) against one that only execs: alternated pairs, median of
//              the differences.
// Run by `npm run bench` (bench/run.mjs) or alone, as root, after `npm run build`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

export async function measureConfinement(runs = 60) {
  const { libcKernel } = await import(`${dist}/src/kernel/libc.js`);
  const { copyToSealedMemfd, INIT_BINARY } = await import(`${dist}/src/process/init-binary.js`);
  const { encodeInitConfig } = await import(`${dist}/src/process/first-process.js`);
  const { DEFAULT_SECURITY } = await import(`${dist}/src/security/settings.js`);
  const { initConfig, processConfinement } = await import(`${dist}/src/security/process-confinement.js`);
  const kernel = libcKernel();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-seccomp-'));
  const root = { uid: 0, gid: 0, additionalGids: [0], home: '/root' };
  try {
    // Host side. The first call compiles the profile into the cache, as a state root's first run does.
    const first = process.hrtime.bigint();
    await processConfinement(DEFAULT_SECURITY, { seccompCache: cache });
    const compile = ms(first);
    const host = [];
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const c = await processConfinement(DEFAULT_SECURITY, { seccompCache: cache });
      encodeInitConfig(initConfig(c, root, { argv: ['/bin/true'], env: ['PATH=/bin'], cwd: '/', tty: null }));
      const fd = copyToSealedMemfd(kernel, INIT_BINARY);
      host.push(ms(start));
      fs.closeSync(fd);
    }

    // The window's mounts, in a private mount namespace that dies with its process.
    const script = `
      const { libcKernel } = await import('${dist}/src/kernel/libc.js');
      const { confineMounts } = await import('${dist}/src/process/confine-mounts.js');
      const kernel = libcKernel();
      const times = [];
      for (let i = 0; i < ${runs}; i++) {
        const start = process.hrtime.bigint();
        confineMounts(kernel, { privileged: false, readOnlyRootfs: false, tmpfs: [], devices: [] });
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      console.log(JSON.stringify(times));`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`measuring the window's mounts failed: ${r.stderr.trim()}`);
    const mounts = JSON.parse(r.stdout);

    // The init itself: the same exec of /bin/true, with and without the confinement.
    const confinement = await processConfinement(DEFAULT_SECURITY, { seccompCache: cache });
    const full = encodeInitConfig({ ...initConfig(confinement, root, { argv: ['/bin/true'], env: ['PATH=/bin'], cwd: '/', tty: null }) });
    const bare = encodeInitConfig({ argv: ['/bin/true'], env: ['PATH=/bin'], cwd: '/' });
    const initFd = copyToSealedMemfd(kernel, INIT_BINARY);
    // The init reads its message from fd 3: a real pipe holding it, closed for writing.
    const run = (message) => {
      const [read, write] = kernel.pipe();
      fs.writeSync(write, message);
      fs.closeSync(write);
      const start = process.hrtime.bigint();
      const child = spawnSync('/proc/self/fd/5', [], { stdio: ['ignore', 'ignore', 'inherit', read, 'ignore', initFd] });
      const t = ms(start);
      fs.closeSync(read);
      if (child.status !== 0) throw new Error(`mydocker-init exited ${child.status}`);
      return t;
    };
    const diffs = [];
    for (let i = 0; i < 5; i++) {
      run(full);
      run(bare);
    }
    for (let i = 0; i < runs; i++) {
      // Which goes first alternates: the second of a pair may profit from the first's warm caches.
      let tFull, tBare;
      if (i % 2 === 0) {
        tFull = run(full);
        tBare = run(bare);
      } else {
        tBare = run(bare);
        tFull = run(full);
      }
      diffs.push(tFull - tBare);
    }
    fs.closeSync(initFd);
    const result = { compile, host: median(host), mounts: median(mounts), init: median(diffs), seccompBytes: confinement.seccomp?.length ?? 0 };
    return { ...result, total: result.host + result.mounts + Math.max(0, result.init) };
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureConfinement(Number(process.env.BENCH_RUNS ?? 60));
  console.log(formatConfinement(r));
}

export function formatConfinement(r) {
  return [
    `confinement per run (medians): host side ${r.host.toFixed(2)} ms + window mounts ${r.mounts.toFixed(2)} ms + init ${r.init.toFixed(2)} ms = ${r.total.toFixed(2)} ms (target: at most 2 ms; exec: host side + init)`,
    `  the default seccomp profile: ${r.seccompBytes / 8} BPF instructions, compiled once per state root and kernel in ${r.compile.toFixed(1)} ms, then cached`,
  ].join('\n');
}
