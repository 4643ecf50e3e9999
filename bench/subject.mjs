// One mydocker build under measurement (this checkout's, or BENCH_BASELINE's for a before/after
// table) with a state root of its own: the busybox image, a detached container to exec into, and
// 200 stopped containers for `ps -a`. `commands()` are the argv lists the table times.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class Subject {
  /** `checkout`: a directory holding a built mydocker (dist/src/cli/main.cjs; main.js in builds before it). */
  constructor(label, checkout, baseEnv) {
    this.label = label;
    const launcher = ['main.cjs', 'main.js'].map((f) => path.join(checkout, 'dist/src/cli', f)).find((f) => fs.existsSync(f));
    this.cli = launcher ?? path.join(checkout, 'dist/src/cli/main.cjs');
    if (!fs.existsSync(this.cli)) throw new Error(`${label}: no build at ${this.cli} (npm run build there first)`);
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-'));
    this.env = { ...baseEnv, MYDOCKER_ROOT: this.root };
  }

  mydocker(...args) {
    return execFileSync(process.execPath, [this.cli, ...args], { env: this.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  }

  /** A command for the rounds, which run with the shared environment: the root goes in the argv. */
  argv(...args) {
    return [process.execPath, this.cli, '--root', this.root, ...args];
  }

  /** The image (built on first use), the default network, the exec target, the stopped containers. */
  prepare() {
    this.mydocker('run', '--rm', 'busybox', 'true');
    this.mydocker('run', '-d', '--net', 'none', '--name', 'bench-exec', 'busybox', 'sleep', '1000000');
    for (let i = 0; i < 200; i += 4) {
      // Four at a time, through sh so that they overlap.
      const batch = [0, 1, 2, 3].map((j) => `${process.execPath} ${this.cli} run --net none --name bench-ps-${i + j} busybox true &`).join(' ');
      spawnSync('sh', ['-c', `${batch} wait`], { env: this.env, stdio: 'ignore' });
    }
  }

  commands() {
    return {
      'run --rm busybox /bin/true': this.argv('run', '--rm', 'busybox', '/bin/true'),
      'run --rm --net none busybox /bin/true': this.argv('run', '--rm', '--net', 'none', 'busybox', '/bin/true'),
      'exec NAME /bin/true': this.argv('exec', 'bench-exec', '/bin/true'),
      'ps -a (201 containers)': this.argv('ps', '-a'),
    };
  }

  /** Everything this subject made, even after a failed measurement. */
  remove() {
    const left = spawnSync(process.execPath, [this.cli, 'ps', '-aq'], { env: this.env, encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
    for (const id of left) spawnSync(process.execPath, [this.cli, 'rm', '-f', id], { env: this.env, stdio: 'ignore' });
    spawnSync(process.execPath, [this.cli, 'network', 'rm', 'bridge'], { env: this.env, stdio: 'ignore' });
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
