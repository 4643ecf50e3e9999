// Small host-side helpers of the lab (scripts/lab/): running a command and failing with its
// output, and unmounting whatever is left below a directory before it is removed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Runs a command to completion; throws with its last output lines when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${tail}`);
  }
  return result.stdout ?? '';
}

/** Whether a program is on PATH. */
export function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Lazily unmounts every mount point at or below `dir`, deepest first: debootstrap mounts /proc and
 * /sys into its target, and an interrupted build leaves them there. Removing the directory across
 * them would reach into the host's /sys.
 */
export function unmountBelow(dir) {
  const decode = (p) => p.replace(/\\(\d{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
  const points = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => decode(line.split(' ')[4]))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort()
    .reverse();
  for (const point of points) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
}

/** Removes a directory tree after unmounting anything in it. */
export function removeTree(dir) {
  if (!fs.existsSync(dir)) return;
  unmountBelow(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Size in MiB of a directory tree as du counts it (hard links once). */
export function sizeMiB(dir) {
  return Number(run('du', ['-sm', dir]).split('\t')[0]);
}
