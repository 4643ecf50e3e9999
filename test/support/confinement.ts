// For the confinement integration tests (test/integration/confinement*.test.ts): the syscall probe
// (test/support/probe.c, built static once per test file and bound into containers read-only at
// /probe), parsers of its output and of /proc/<pid>/status, a host user to act as (nobody), the
// mount a path lives on, and a loop device backed by a small ext4 image of the test's own.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, waitFor, type CliResult, type World } from './world.js';
import { attachLoopFile, type LoopDevice } from './device-probe.js';

/** The probe's source, in the source tree (tsc does not copy it to dist/). */
export const PROBE_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/support/probe.c');

export interface BuiltProbe {
  /** The host directory holding the binary (mode 0755, so that any container user can run it). */
  readonly dir: string;
  /** The binary on the host, for the controls run outside any container. */
  readonly host: string;
  /** The run arguments that bind it in at /probe. */
  readonly volume: readonly string[];
  /** The binary inside the container. */
  readonly bin: '/probe/probe';
  remove(): void;
}

/** Builds the probe (`cc -static -O2`) into a temporary directory, or says why it cannot. */
export function buildProbe(): BuiltProbe | string {
  if (!fs.existsSync(PROBE_SOURCE)) return `the probe's source is missing (${PROBE_SOURCE})`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-probe-'));
  fs.chmodSync(dir, 0o755);
  const host = path.join(dir, 'probe');
  const r = spawnSync('cc', ['-static', '-O2', '-o', host, PROBE_SOURCE], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.error) return `no C compiler (cc) to build the probe: ${r.error.message}`;
    return `cc -static could not build the probe (is libc6-dev installed?): ${r.stderr.trim().split('\n')[0]}`;
  }
  return { dir, host, volume: ['-v', `${dir}:/probe:ro`], bin: '/probe/probe', remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** "name result [detail]" lines into { name: "result [detail]" }. */
export function parseProbe(output: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line.trim());
    if (m) found[m[1]!] = m[2]!;
  }
  return found;
}

/** The verdict of each probe, without details: "ok" or the errno name. */
export function verdicts(output: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parseProbe(output)).map(([k, v]) => [k, v.split(' ')[0]!]));
}

/** The fields of a /proc/<pid>/status text. */
export function parseStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** The test process's own status (its CapBnd is "every capability" of this host's root). */
export function ownStatus(): Record<string, string> {
  return parseStatus(fs.readFileSync('/proc/self/status', 'utf8'));
}

/** The environment the World gives the CLI, for commands the test starts through a shell. */
export function worldEnv(w: World, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...extra, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent };
}

/** `bash -c SCRIPT` with the world's environment; `$CLI` in it runs mydocker. */
export function bash(w: World, script: string, options: { cwd?: string } = {}): CliResult {
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: worldEnv(w, { CLI: `${process.execPath} ${CLI}` }),
    timeout: 60_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs a command as the host's nobody (uid and gid 65534, no supplementary groups). Through a
 * shell: setpriv keeps its capabilities until its own execve (PR_SET_KEEPCAPS), so a path it execs
 * directly is looked up with root's CAP_DAC_OVERRIDE; the shell it starts has none left.
 */
export function asNobody(command: string[]): SpawnSyncReturns<string> {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', '/bin/sh', '-c', 'exec "$@"', 'sh', ...command], { encoding: 'utf8' });
}

/** Runs a detached container to its end and returns what it printed (stdout of `logs`). */
export async function detachedOutput(w: World, args: string[]): Promise<{ id: string; stdout: string; stderr: string }> {
  const r = w.run(['run', '-d', ...args]);
  if (r.status !== 0) throw new Error(`run -d ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const id = r.stdout.trim();
  await waitFor(() => state(w, id) === 'exited', `container ${id.slice(0, 12)} to exit`);
  const logs = w.run(['logs', id]);
  return { id, stdout: logs.stdout, stderr: logs.stderr };
}

/** A container's State.Status as inspect shows it. */
export function state(w: World, id: string): string {
  const r = w.run(['inspect', id]);
  if (r.status !== 0) return 'missing';
  return (JSON.parse(r.stdout) as Array<{ State: { Status: string } }>)[0]!.State.Status;
}

/** Starts `sleep 1000` detached (with extra run arguments) for exec tests; returns its ID. */
export function sleeper(w: World, args: string[] = []): string {
  const r = w.run(['run', '-d', ...args, 'busybox', 'sleep', '1000']);
  if (r.status !== 0) throw new Error(`run -d ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

export interface MountEntry {
  mountPoint: string;
  /** The path inside its filesystem that is mounted there (field 4 of mountinfo). */
  root: string;
  fstype: string;
  source: string;
  major: number;
  minor: number;
}

function decode(field: string): string {
  return field.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses a mountinfo text. */
export function parseMountinfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const dash = line.indexOf(' - ');
      const left = line.slice(0, dash).split(' ');
      const right = line.slice(dash + 3).split(' ');
      const [major, minor] = left[2]!.split(':').map(Number);
      return { mountPoint: decode(left[4]!), root: decode(left[3]!), fstype: right[0]!, source: decode(right[1]!), major: major!, minor: minor! };
    });
}

/** The host mount a path lives on (the deepest mount point above it), and the path within its filesystem. */
export function filesystemOf(file: string): { mount: MountEntry; inside: string } {
  const real = fs.realpathSync(file);
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const under = m.mountPoint === '/' || real === m.mountPoint || real.startsWith(`${m.mountPoint}/`);
    if (under && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  const rest = best!.mountPoint === '/' ? real : real.slice(best!.mountPoint.length);
  return { mount: best!, inside: path.posix.join(best!.root, rest) };
}

export interface LoopImage extends LoopDevice {
  /** The ext4 image behind it. */
  readonly image: string;
}

/** Why no loop device can be attached here, or null. */
export function loopSkipReason(): string | null {
  if (spawnSync('losetup', ['--version']).status !== 0) return 'needs losetup (util-linux)';
  if (spawnSync('mkfs.ext4', ['-V']).status !== 0) return 'needs mkfs.ext4 (e2fsprogs)';
  const free = spawnSync('losetup', ['-f'], { encoding: 'utf8' });
  if (free.status !== 0) return `no free loop device on this machine (losetup -f: ${free.stderr.trim()})`;
  const device = free.stdout.trim();
  try {
    if (!fs.statSync(device).isBlockDevice()) return `${device} is not a block device here`;
  } catch {
    // losetup makes the node itself when /dev has none yet
  }
  return null;
}

/** An 8 MiB ext4 image in `dir`, attached to a free loop device. */
export function attachExt4Loop(dir: string): LoopImage {
  const image = path.join(dir, 'disk.img');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 8 << 20);
  const mkfs = spawnSync('mkfs.ext4', ['-q', '-F', image], { encoding: 'utf8' });
  if (mkfs.status !== 0) throw new Error(`mkfs.ext4 failed: ${mkfs.stderr}`);
  return { ...attachLoopFile(image), image };
}

/** The container's rows of `ps -a` (header dropped). */
export function psRows(w: World): string[] {
  return w.run(['ps', '-a']).stdout.split('\n').slice(1).filter(Boolean);
}
