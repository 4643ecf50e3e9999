// For the device-control integration tests (run as root, in the test process): a loop device of
// the test's own to prove access with (this VM refuses its root disk to everyone), and a probe, a
// host /bin/sh that is moved into cgroups while it waits on stdin and then reports, per check,
// "ok" or the error it got ("Operation not permitted" for EPERM).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitDev } from '../../src/security/devices.js';

export interface LoopDevice {
  readonly path: string;
  readonly major: number;
  readonly minor: number;
  /** Detaches it (idempotent). */
  detach(): void;
}

/** Attaches a 1 MiB file in `dir` to a free loop device. */
export function attachLoop(dir: string): LoopDevice {
  const file = path.join(dir, 'backing.img');
  fs.writeFileSync(file, Buffer.alloc(1 << 20));
  return attachLoopFile(file);
}

/** Attaches `file` to a free loop device. */
export function attachLoopFile(file: string): LoopDevice {
  const r = spawnSync('losetup', ['-f', '--show', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`losetup -f --show ${file} failed: ${r.stderr.trim()}`);
  const device = r.stdout.trim();
  const { major, minor } = splitDev(BigInt(fs.statSync(device).rdev));
  let attached = true;
  return {
    path: device,
    major,
    minor,
    detach() {
      if (!attached) return;
      spawnSync('losetup', ['-d', device]);
      attached = false;
    },
  };
}

/** One check: a name and a shell command the probe runs in a subshell. */
export type Check = readonly [name: string, command: string];

export const PROBE_SCRIPT = `read _ || exit 1
check() { if err=$( (eval "$2") 2>&1 ); then echo "$1=ok"; else echo "$1=\${err##*: }"; fi; }
while [ $# -gt 0 ]; do check "$1" "$2"; shift 2; done`;

/** A probe waiting on stdin; `kill` ends it and waits for it (idempotent). */
export interface Probe {
  readonly pid: number;
  /** Lets it run its checks; resolves with each check's outcome by name. */
  run(): Promise<Record<string, string>>;
  kill(): Promise<void>;
}

export function startProbe(checks: readonly Check[], env: Record<string, string>): Probe {
  const child = spawn('/bin/sh', ['-c', PROBE_SCRIPT, 'probe', ...checks.flat()], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return {
    pid: child.pid!,
    async run() {
      child.stdin!.end('go\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The checks of both tests: /dev/null read-write, the loop device, mknod of a block node and opening it. */
export function deviceChecks(): Check[] {
  return [
    ['null', 'exec 3<>/dev/null'],
    ['loop', 'exec 3<"$LOOP"'],
    ['mknod', 'mknod "$DIR/blk" b "$MAJOR" "$MINOR"'],
    ['node', 'exec 3<"$DIR/blk"'],
  ];
}

export const CONFINED = { null: 'ok', loop: 'Operation not permitted', mknod: 'ok', node: 'Operation not permitted' };
export const UNCONFINED = { null: 'ok', loop: 'ok', mknod: 'ok', node: 'ok' };

/** The mount point of a cgroup filesystem type (and, for v1, with that controller), or null. */
export function cgroupMount(fstype: 'cgroup' | 'cgroup2', controller?: string): string | null {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const [type, , options = ''] = line.slice(dash + 3).split(' ');
    if (type !== fstype) continue;
    if (controller !== undefined && !options.split(',').includes(controller)) continue;
    return line.slice(0, dash).split(' ')[4] ?? null;
  }
  return null;
}
