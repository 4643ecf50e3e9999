// OCI bundles for the integration tests of `mydocker-runc`: a busybox root (the host's static
// busybox, as the busybox image is built) and a config.json of the shape containerd 1.6's `ctr run`
// writes (docs: /work/shared/notes/oci-runtime.md), and the runtime called the way containerd's
// shim calls it: `--root R --log B/log.json --log-format json CMD ...`, cwd the bundle.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { populate } from '../../src/image/busybox.js';

export const RUNC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/runc/main.cjs');

const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/** containerd 1.6's default spec, trimmed to what a busybox root needs. */
export function ctrConfig(args: string[], cgroupsPath: string): Record<string, any> {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: 'oci-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rwm' }, { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }] },
      cgroupsPath,
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** A bundle directory with a busybox root and `config` as config.json. */
export function makeBundle(dir: string, config: Record<string, unknown>): string {
  fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  populate(path.join(dir, 'rootfs'));
  writeConfig(dir, config);
  return dir;
}

export function writeConfig(dir: string, config: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

export interface RuncResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One call as containerd's shim makes it (stdin /dev/null, stdout+stderr captured). */
export function runc(root: string, bundle: string, args: string[], options: { input?: string } = {}): RuncResult {
  const result = spawnSync(process.execPath, [RUNC, '--root', root, '--log', path.join(bundle, 'log.json'), '--log-format', 'json', ...args], {
    cwd: bundle,
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `create` as the shim calls it, its stdio (which become the container's) files of the bundle
 * rather than pipes: a pipe stays open in the container, and a synchronous caller would wait on it.
 */
export function runcCreate(root: string, bundle: string, args: string[]): RuncResult {
  const outFile = path.join(bundle, 'container.out');
  const out = fs.openSync(outFile, 'w');
  try {
    const result = spawnSync(process.execPath, [RUNC, '--root', root, '--log', path.join(bundle, 'log.json'), '--log-format', 'json', 'create', ...args], {
      cwd: bundle,
      stdio: ['ignore', out, out],
      timeout: 60_000,
    });
    if (result.error) throw result.error;
    return { status: result.status, stdout: '', stderr: fs.readFileSync(outFile, 'utf8') };
  } finally {
    fs.closeSync(out);
  }
}

/** The last "error" line's msg of the --log file, as containerd's shim shows it. */
export function lastLoggedError(bundle: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(bundle, 'log.json'), 'utf8');
  } catch {
    return null;
  }
  const errors = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((entry) => entry.level === 'error');
  return errors.at(-1)?.msg ?? null;
}

/** The host's mount points below `dir`. */
export function mountsBelow(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4]!)
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}
