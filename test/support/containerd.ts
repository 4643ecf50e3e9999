// A private containerd for one integration test file, run by the test's process: its own root,
// state, temp directory and gRPC socket under one directory in /tmp, and a containerd namespace per
// test, named after the instance, so that what containerd 1.6 and its runc shim put outside that
// directory is recognisably this instance's and can be checked and removed:
//   - cgroups: ctr gives each container the cgroupsPath `/<namespace>/<id>`, in every hierarchy;
//   - the runtime's state root: the shim runs the runtime with `--root /run/containerd/runc/<ns>`;
//   - shim sockets: always `/run/containerd/s/<sha256 of address/namespace/id>`;
//   - mounts: the shim mounts each container's rootfs under this instance's state directory.
// stop() kills and removes all of it, also after a failed test, and leaves the host as it was.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cgroupMounts, hostMountPoints, integrationSkipReason, required } from './world.js';
import { describeProcess, hostProcesses, withDescendants, type HostProcess } from './host-processes.js';

/** Where containerd 1.6 puts every shim's socket, whatever its own state directory says. */
const SHIM_SOCKET_DIR = '/run/containerd/s';
/** The runc shim's default runtime root: it calls the runtime with `--root <this>/<namespace>`. */
const RUNTIME_ROOT = '/run/containerd/runc';
/** The host directories above, and their parent, which containerd and the shim create when absent. */
const HOST_DIRS = [SHIM_SOCKET_DIR, RUNTIME_ROOT, '/run/containerd'];
/** Where the v2 runtime plugin keeps each task's bundle, under containerd's state directory. */
const TASK_STATE = 'io.containerd.runtime.v2.task';

export interface CtrResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Why the containerd tests cannot run here, or null (a failure instead under MYDOCKER_REQUIRE_INTEGRATION=1). */
export function containerdSkipReason(): string | null {
  const integration = integrationSkipReason();
  if (integration !== null) return integration;
  const missing = ['containerd', 'ctr', 'containerd-shim-runc-v2'].filter((program) => spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0);
  return required(missing.length > 0 ? `containerd is not installed (no ${missing.join(', ')}; Debian's containerd package)` : null);
}

/**
 * The config of a private instance: everything under `dir`, and off what a test does not need and
 * what would reach outside it — the CRI plugin (networks, a streaming port), the `opt` plugin (it
 * creates /opt/containerd), the snapshotters that probe the host (aufs runs modprobe), tracing.
 * (`io.containerd.runtime.v1.linux` stays: containerd 1.6's tasks service will not load without it.)
 */
function configToml(dir: string, address: string): string {
  const disabled = [
    'io.containerd.grpc.v1.cri',
    'io.containerd.internal.v1.opt',
    'io.containerd.snapshotter.v1.aufs',
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.zfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.internal.v1.tracing',
  ];
  return [
    'version = 2',
    `root = ${JSON.stringify(path.join(dir, 'root'))}`,
    `state = ${JSON.stringify(path.join(dir, 'state'))}`,
    `temp = ${JSON.stringify(path.join(dir, 'tmp'))}`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
    '',
  ].join('\n');
}

export class PrivateContainerd {
  /** The instance's own name: the prefix of its namespaces, hence of the cgroups made for them. */
  readonly name: string;
  readonly address: string;
  /** containerd's TMPDIR, inherited by the shim: its console sockets and `--process` files go here. */
  readonly tmpDir: string;
  private readonly daemon: ChildProcess;
  private readonly absentHostDirs: string[];
  /** Every (namespace, container ID) a test has named, for the shim sockets stop() removes. */
  private readonly knownIds = new Set<string>();

  private constructor(readonly dir: string) {
    this.name = `mydocker-ctrd-${crypto.randomBytes(4).toString('hex')}`;
    this.address = path.join(dir, 'containerd.sock');
    this.tmpDir = path.join(dir, 'tmp');
    this.absentHostDirs = HOST_DIRS.filter((d) => !fs.existsSync(d));
    fs.mkdirSync(this.tmpDir);
    fs.mkdirSync(path.join(dir, 'fifo'));
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, configToml(dir, this.address));
    const log = fs.openSync(path.join(dir, 'containerd.log'), 'a');
    this.daemon = spawn('containerd', ['--config', config, '--log-level', 'info'], {
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH, TMPDIR: this.tmpDir },
    });
    fs.closeSync(log);
    this.daemon.on('error', () => {}); // reported by start() through exitCode and the log
  }

  /** Starts an instance and waits until it answers `ctr version`. */
  static async start(label: string): Promise<PrivateContainerd> {
    const instance = new PrivateContainerd(fs.mkdtempSync(path.join(os.tmpdir(), `mydocker-ctrd-${label}-`)));
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (instance.daemon.exitCode !== null || instance.daemon.signalCode !== null) throw new Error(`containerd ended at start:\n${instance.log()}`);
        if (spawnSync('ctr', ['-a', instance.address, 'version'], { stdio: 'ignore', timeout: 5_000 }).status === 0) return instance;
        if (Date.now() > deadline) throw new Error(`containerd did not answer on ${instance.address}:\n${instance.log()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (error) {
      instance.stop();
      throw error;
    }
  }

  /** A containerd namespace of this instance for one test (`label`: letters and digits). */
  namespace(label: string): CtrNamespace {
    return new CtrNamespace(this, `${this.name}-${label}`);
  }

  /** The last warnings and errors of containerd and its shims (their logs go to containerd's), for failure messages. */
  log(): string {
    try {
      const lines = fs.readFileSync(path.join(this.dir, 'containerd.log'), 'utf8').split('\n');
      return lines.filter((line) => /level=(warning|error|fatal)/.test(line)).slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /**
   * The socket of a container's shim, as containerd 1.6 names it (runtime/v2/shim/util_unix.go),
   * remembered so that stop() removes it should the shim die without doing so.
   */
  shimSocket(namespace: string, id: string): string {
    this.knownIds.add(`${namespace}/${id}`);
    return path.join(SHIM_SOCKET_DIR, crypto.createHash('sha256').update(path.join(this.address, namespace, id)).digest('hex'));
  }

  /**
   * Every process of this instance: containerd, its shims (their `-address` is in `dir`), ctr
   * clients, runtime calls (their `--log` and bundle are in `dir`), container processes (in the
   * cgroups of its namespaces, or below a shim), with all their descendants.
   */
  processes(table = hostProcesses()): HostProcess[] {
    const roots = table.filter(
      (p) =>
        p.pid === this.daemon.pid ||
        p.cmdline.includes(this.dir) ||
        p.cwd.startsWith(`${this.dir}/`) ||
        p.cwd.startsWith(`${RUNTIME_ROOT}/${this.name}-`) ||
        p.cgroups.some((c) => c.startsWith(`/${this.name}-`)),
    );
    return withDescendants(table, roots);
  }

  /**
   * Kills everything of this instance and removes what it made, on the host and in `dir`. Runs
   * whatever state the tests left (containers running, paused, half created) and never throws for
   * what is already gone; a failure to remove something is reported after everything was tried.
   */
  stop(): void {
    const problems: string[] = [];
    const namespaces = this.ownNamespaces();
    // Shim sockets are named by a hash of (namespace, ID): gather the IDs while shims and bundles exist.
    for (const ns of namespaces) for (const id of this.idsIn(ns)) this.shimSocket(ns, id);
    for (const p of hostProcesses()) {
      const args = p.cmdline.split('\0');
      const at = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
      if (args[0]?.endsWith('containerd-shim-runc-v2') && at('-address') === this.address) this.shimSocket(at('-namespace') ?? '', at('-id') ?? '');
    }

    // A frozen process does not die of SIGKILL until thawed (a test that failed between pause and resume).
    for (const dir of this.cgroupDirs()) {
      writeIfPresent(path.join(dir, 'freezer.state'), 'THAWED');
      writeIfPresent(path.join(dir, 'cgroup.freeze'), '0');
    }
    for (let round = 0; round < 250; round++) {
      const left = this.processes();
      if (left.length === 0) break;
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      spawnSync('sleep', ['0.02']);
    }
    problems.push(...this.processes().map(describeProcess));

    const ownMounts = (): string[] => hostMountPoints().filter((m) => m.startsWith(`${this.dir}/`) || m.includes(`/${this.name}-`));
    for (const m of ownMounts().sort().reverse()) spawnSync('umount', ['-l', m]);
    problems.push(...ownMounts().map((m) => `mount ${m}`));

    for (const dir of this.cgroupDirs().reverse()) {
      for (let i = 0; i < 50 && fs.existsSync(dir); i++) {
        try {
          fs.rmdirSync(dir);
        } catch {
          spawnSync('sleep', ['0.02']);
        }
      }
      if (fs.existsSync(dir)) problems.push(`cgroup ${dir}`);
    }

    for (const key of [...this.knownIds]) {
      const [ns, id] = key.split('/') as [string, string];
      fs.rmSync(this.shimSocket(ns, id), { force: true });
    }
    for (const ns of namespaces) fs.rmSync(path.join(RUNTIME_ROOT, ns), { recursive: true, force: true });
    // The shared directories go only if this instance made them and nothing else is in them now.
    for (const dir of this.absentHostDirs) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // not empty (another containerd's), or gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(`containerd ${this.name} left on the host:\n${problems.join('\n')}`);
  }

  /** The namespaces this instance has any trace of: bundles, runtime roots, cgroups. */
  private ownNamespaces(): string[] {
    const names = new Set<string>();
    const mine = (entry: string): boolean => entry.startsWith(`${this.name}-`);
    for (const entry of listDir(path.join(this.dir, 'state', TASK_STATE))) if (mine(entry)) names.add(entry);
    for (const entry of listDir(RUNTIME_ROOT)) if (mine(entry)) names.add(entry);
    for (const mount of cgroupMounts()) for (const entry of listDir(mount)) if (mine(entry)) names.add(entry);
    for (const key of this.knownIds) names.add(key.split('/')[0]!);
    return [...names];
  }

  /** The container IDs of a namespace with a bundle or a runtime state directory. */
  private idsIn(namespace: string): string[] {
    return [...new Set([...listDir(path.join(this.dir, 'state', TASK_STATE, namespace)), ...listDir(path.join(RUNTIME_ROOT, namespace))])];
  }

  /** The cgroup directories of this instance's namespaces in every hierarchy, parents before children. */
  private cgroupDirs(): string[] {
    const found: string[] = [];
    for (const mount of cgroupMounts()) {
      for (const entry of listDir(mount)) if (entry.startsWith(`${this.name}-`)) found.push(...directoryTree(path.join(mount, entry)));
    }
    return found;
  }
}

/** One test's containerd namespace: its ctr commands, and what of its containers is left. */
export class CtrNamespace {
  /** ctr's `--fifo-dir` for this namespace (ctr's default is the shared /run/containerd/fifo). */
  readonly fifoDir: string;

  constructor(
    readonly containerd: PrivateContainerd,
    readonly name: string,
  ) {
    this.fifoDir = path.join(containerd.dir, 'fifo', name);
    fs.mkdirSync(this.fifoDir);
  }

  /** ctr's argv (without `ctr`) for this instance and namespace. */
  ctrArgs(args: string[]): string[] {
    return ['-a', this.containerd.address, '-n', this.name, ...args];
  }

  /** Runs ctr to its end; a ctr that does not end within the timeout is killed and reported in stderr. */
  ctr(args: string[], options: { input?: string; timeoutMs?: number } = {}): CtrResult {
    const timeout = options.timeoutMs ?? 60_000;
    const result = spawnSync('ctr', this.ctrArgs(args), { encoding: 'utf8', input: options.input ?? '', timeout, env: { PATH: process.env.PATH } });
    const note = result.error ? `\n[ctr ${args.slice(0, 2).join(' ')}: ${result.error.message}]` : '';
    return { status: result.status, stdout: result.stdout ?? '', stderr: (result.stderr ?? '') + note };
  }

  /** The host pid of a task's first process, from `ctr task ls`, or null. */
  taskPid(id: string): number | null {
    const line = this.ctr(['task', 'ls']).stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
    return line ? Number(line.split(/\s+/)[1]) : null;
  }

  /** A task's status as `ctr task ls` shows it (RUNNING, PAUSED, STOPPED, ...), or null. */
  taskStatus(id: string): string | null {
    const line = this.ctr(['task', 'ls']).stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
    return line?.split(/\s+/)[2] ?? null;
  }

  /**
   * What is left of this namespace's containers (`ids`: the IDs the test used): containers and
   * tasks containerd still lists, active snapshots, bundles, the runtime's state, mounts, cgroups,
   * processes, shim sockets, the shim's temporary files. Empty once every container was removed.
   */
  leftovers(ids: string[] = []): string[] {
    const found: string[] = [];
    const listed = (args: string[], what: string): void => {
      const r = this.ctr(args);
      if (r.status !== 0) found.push(`ctr ${args.join(' ')} failed: ${r.stderr.trim()}`);
      else found.push(...r.stdout.split('\n').filter(Boolean).map((line) => `${what} ${line.trim()}`));
    };
    listed(['containers', 'ls', '-q'], 'container');
    listed(['tasks', 'ls', '-q'], 'task');
    const snapshots = this.ctr(['snapshots', 'ls']).stdout.split('\n').slice(1);
    found.push(...snapshots.filter((line) => /\sActive\s*$/.test(line)).map((line) => `active snapshot ${line.split(/\s+/)[0]}`));

    const bundles = path.join(this.containerd.dir, 'state', TASK_STATE, this.name);
    const runtimeRoot = path.join(RUNTIME_ROOT, this.name);
    found.push(...listDir(bundles).map((id) => `bundle ${path.join(bundles, id)}`));
    found.push(...listDir(runtimeRoot).map((id) => `runtime state ${path.join(runtimeRoot, id)}`));
    // Mounts of the shim (the rootfs in the bundle) and of the runtime wherever it makes them: the
    // bundle's path and the runtime's --root both hold the namespace's name.
    found.push(...hostMountPoints().filter((m) => m.includes(`/${this.name}/`)).map((m) => `mount ${m}`));
    for (const mount of cgroupMounts()) found.push(...directoryTree(path.join(mount, this.name)).slice(1).map((dir) => `cgroup ${dir}`));

    const table = hostProcesses();
    const roots = table.filter((p) => {
      const args = p.cmdline.split('\0');
      const shim = args[0]?.endsWith('containerd-shim-runc-v2') && args[args.indexOf('-namespace') + 1] === this.name && args.includes(this.containerd.address);
      const inGroup = p.cgroups.some((c) => c === `/${this.name}` || c.startsWith(`/${this.name}/`));
      const touches = [bundles, runtimeRoot].some((dir) => p.cmdline.includes(dir) || p.cwd === dir || p.cwd.startsWith(`${dir}/`));
      return shim || inGroup || touches;
    });
    found.push(...withDescendants(table, roots).map(describeProcess));

    for (const id of ids) {
      const socket = this.containerd.shimSocket(this.name, id);
      if (fs.existsSync(socket)) found.push(`shim socket ${socket} (${id})`);
    }
    // Not ctr's fifos: they are the client's files, which it removes after a successful delete; and
    // an attached `ctr task exec` leaves its own when another ctr's `task rm -f` deleted the task
    // first (a race between two clients, 1 run in 4 with runc). stop() removes them.
    found.push(...listDir(this.containerd.tmpDir).map((entry) => `shim temporary file ${path.join(this.containerd.tmpDir, entry)}`));
    return found;
  }

  /**
   * The leftovers once they stop shrinking: a shim exits, and removes its socket, a moment after
   * `ctr` returned. Polls until nothing is left or the deadline passes, then says what is left.
   */
  async settledLeftovers(ids: string[] = [], timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = this.leftovers(ids);
      if (left.length === 0 || Date.now() > deadline) return left;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** `dir` and the directories below it, parents before children; empty when `dir` does not exist. */
function directoryTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found = [dir];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) found.push(...directoryTree(path.join(dir, entry.name)));
  return found;
}

function writeIfPresent(file: string, value: string): void {
  try {
    if (fs.existsSync(file)) fs.writeFileSync(file, value);
  } catch {
    // the group went meanwhile
  }
}
