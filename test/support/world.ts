// A throwaway mydocker world for one integration test: its own state root under /tmp, the CLI run
// against it, and a cleanup that leaves the host as it was even when the test failed half-way
// (kills container processes it recorded, unmounts anything below the root, removes the root).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { iptables } from '../../plugins/network/bridge/iptables.js';
import { bridgeName, containerTag, networkTag, vethName } from '../../plugins/network/bridge/rules.js';
import { ensureFilesystem } from '../../plugins/storage/filesystems.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.cjs');

/**
 * Node's arguments before the CLI's, as its interpreter line gives them: after `--`, Node 20 leaves
 * a `--env-file` of the CLI's arguments alone (nodejs/node#54232).
 */
export const NODE_ARGS = ['--', CLI];

/** What the tests read of a container's record. */
export interface TestRecord {
  name: string;
  rootfs: string | null;
  state: { pid: number | null; status: string; exitCode: number | null };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Why integration tests cannot run here, or null. The overlay module is loaded first, as `run`
 * does, so a freshly booted stock kernel runs them. With MYDOCKER_REQUIRE_INTEGRATION=1 (CI, the
 * lab) a reason is a failure instead: a suite that skips itself must not pass in silence.
 */
export function integrationSkipReason(): string | null {
  return required(whyNoIntegration());
}

function whyNoIntegration(): string | null {
  if (process.getuid?.() !== 0) return 'integration tests need root';
  if (!fs.existsSync('/bin/busybox')) return 'busybox-static is not installed (/bin/busybox)';
  if (!ensureFilesystem('overlay')) return 'the kernel has no overlayfs (modprobe overlay did not help)';
  return null;
}

/** Why tests of detached containers cannot run here (no shim was built), or null; see integrationSkipReason. */
export function shimSkipReason(): string | null {
  const shim = path.resolve(path.dirname(CLI), '../../shim/mydocker-shim');
  return required(fs.existsSync(shim) ? null : 'the shim is not built (no C compiler)');
}

/** `reason`, or a thrown error when the environment says these tests must run. */
export function required(reason: string | null, variable = 'MYDOCKER_REQUIRE_INTEGRATION'): string | null {
  if (reason !== null && process.env[variable] === '1') throw new Error(`${variable}=1, yet these tests would be skipped: ${reason}`);
  return reason;
}

/** A world for one test, removed after it whatever happens; `image` builds busybox first. */
export function worldFor(t: TestContext, label: string, options: { image?: boolean } = {}): World {
  const w = new World(label);
  t.after(() => w.cleanup());
  if (options.image) assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0, 'building the busybox image');
  return w;
}

export class World {
  readonly root: string;
  /** This world's own cgroup parent, so that its containers' groups are its alone. */
  readonly cgroupParent: string;

  constructor(label: string) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `mydocker-test-${label}-`));
    this.cgroupParent = `mydocker-test-${path.basename(this.root).slice('mydocker-test-'.length)}`;
    liveWorlds++;
  }

  /** This world's networks as stored: id, name, and the bridge each has on the host. */
  networks(): Array<{ id: string; name: string; subnet: string; bridge: string }> {
    return this.list('networks')
      .filter((id) => /^[0-9a-f]{64}$/.test(id))
      .flatMap((id) => {
        try {
          const record = JSON.parse(fs.readFileSync(path.join(this.root, 'networks', id, 'network.json'), 'utf8'));
          return [{ id, name: record.info.name, subnet: record.info.subnet, bridge: record.driverState.bridge ?? bridgeName(id) }];
        } catch {
          return [{ id, name: '?', subnet: '?', bridge: bridgeName(id) }];
        }
      });
  }

  /**
   * What of this world's networking is on the host: links (bridges, veths), routes through its
   * bridges, and firewall rules tagged with its networks or containers. Empty once all is removed.
   */
  networkLeftovers(containerIds: string[] = this.containerIds()): string[] {
    const networks = this.networks();
    const names = [...networks.map((n) => n.bridge), ...containerIds.map(vethName)];
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n');
    const routes = spawnSync('ip', ['route', 'show'], { encoding: 'utf8' }).stdout.split('\n');
    const tags = [...networks.map((n) => networkTag(n.id)), ...containerIds.map(containerTag)];
    const rules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n');
    return [
      ...links.filter((l) => names.some((n) => l.includes(` ${n}:`) || l.includes(` ${n}@`))),
      ...routes.filter((r) => names.some((n) => r.includes(`dev ${n} `))),
      ...rules.filter((r) => tags.some((t) => r.includes(t))),
    ];
  }

  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, ...extra, MYDOCKER_ROOT: this.root, MYDOCKER_CGROUP_PARENT: this.cgroupParent };
  }

  /** This world's cgroup directories (the parent in each hierarchy, and the groups below it). */
  cgroups(): string[] {
    const found: string[] = [];
    for (const mount of cgroupMounts()) {
      const parent = path.join(mount, this.cgroupParent);
      if (!fs.existsSync(parent)) continue;
      found.push(parent, ...fs.readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(parent, d.name)));
    }
    return found;
  }

  /** Runs the CLI synchronously against this world. */
  run(args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
    const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
      encoding: 'utf8',
      input: options.input ?? '',
      env: this.env(options.env),
      timeout: options.timeoutMs ?? 60_000,
    });
    this.remember();
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * Every container and network this world has had, removed ones included: the cleanup sweeps
   * their links and rules too, in case the runtime leaked them on removal.
   */
  private readonly seen = { containers: new Set<string>(), networks: new Map<string, string>() };

  private remember(): void {
    for (const id of this.containerIds()) this.seen.containers.add(id);
    for (const n of this.networks()) this.seen.networks.set(n.id, n.bridge);
  }

  private readonly started: Array<ReturnType<typeof spawn>> = [];

  /** Starts the CLI in the background (for a container the test kills or inspects while it runs). */
  start(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawn> {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env(env),
    });
    this.started.push(child);
    return child;
  }

  containerIds(): string[] {
    try {
      return fs.readdirSync(path.join(this.root, 'containers'));
    } catch {
      return [];
    }
  }

  /**
   * A container's record, or null while there is none to read: its directory exists before its
   * first record is written, so a test polling a run in progress sees it missing (or, were a
   * writer not atomic, half written). Null means "not yet"; waitFor polls on.
   */
  record(id: string): TestRecord | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.root, 'containers', id, 'container.json'), 'utf8')) as TestRecord;
    } catch {
      return null;
    }
  }

  /** The readable records of this world's containers, with their IDs. */
  records(): Array<TestRecord & { id: string }> {
    return this.containerIds().flatMap((id) => {
      const record = this.record(id);
      return record === null ? [] : [{ ...record, id }];
    });
  }

  /** Mount points at or below this world's root, from the host's mount table. */
  mounts(): string[] {
    return hostMountPoints().filter((m) => m === this.root || m.startsWith(`${this.root}/`));
  }

  list(dir: string): string[] {
    try {
      return fs.readdirSync(path.join(this.root, dir));
    } catch {
      return [];
    }
  }

  /**
   * Run `system check` when the world is cleaned up and fail the test on any finding (what the
   * runtime left behind that belongs to no container). Off only for tests that make orphans on
   * purpose.
   */
  checkOnCleanup = true;

  /** `system check` of this world: its findings, one per line (empty when there are none). */
  systemCheck(fix = false): string[] {
    const result = this.run(['system', 'check', ...(fix ? ['--fix'] : [])]);
    if (result.status !== 0 && result.status !== 1) throw new Error(`system check failed (${result.status}): ${result.stderr.trim()}`);
    return result.stdout.split('\n').filter(Boolean);
  }

  cleanup(): void {
    // First what the runtime left that belongs to no container (containers still at work, whose
    // lock is held, are not looked at); reported after the cleanup, which runs whatever it finds.
    let findings: string[] = [];
    if (this.checkOnCleanup && fs.existsSync(this.root)) {
      try {
        findings = this.systemCheck();
      } catch (error) {
        findings = [String(error)];
      }
    }
    this.removeEverything();
    if (findings.length > 0) throw new Error(`system check found what belongs to no container:\n${findings.join('\n')}`);
  }

  private removeEverything(): void {
    // Whatever still works in this world must stop before its files go, or it writes them back:
    // background CLIs, container processes, and the shims' `mydocker cleanup` that follows them.
    for (const child of this.started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const id of this.containerIds()) {
      try {
        const pid = this.record(id)?.state.pid;
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    // A container left paused by a failed test: its frozen processes die only once thawed.
    for (const dir of this.cgroups()) {
      for (const [file, thawed] of [['freezer.state', 'THAWED'], ['cgroup.freeze', '0']] as const) {
        try {
          fs.writeFileSync(path.join(dir, file), thawed);
        } catch {
          // not a freezer, or gone
        }
      }
    }
    for (let i = 0; i < 250 && processesMentioning(this.root).length > 0; i++) spawnSync('sleep', ['0.02']);
    for (const pid of processesMentioning(this.root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const mount of this.mounts().sort().reverse()) spawnSync('umount', ['-l', mount]);
    // Networking: the links and rules of this world's networks and containers, found by name and
    // tag (they may be left by a test that failed half-way), and the forwarding setting.
    const firewall = iptables();
    this.remember();
    for (const [id, bridge] of this.seen.networks) {
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      firewall.remove(networkTag(id));
    }
    for (const id of this.seen.containers) {
      spawnSync('ip', ['link', 'del', vethName(id)], { stdio: 'ignore' });
      firewall.remove(containerTag(id));
    }
    // A bridge network turns forwarding on: back to what the host had before the first world, once
    // the last one alive is cleaned up (a world made while another lives would see it on).
    if (--liveWorlds === 0) fs.writeFileSync(IP_FORWARD, HOST_IP_FORWARD);
    // Groups go deepest first; their processes were killed above.
    for (const dir of this.cgroups().sort().reverse()) {
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(dir);
          break;
        } catch {
          spawnSync('sleep', ['0.02']);
        }
      }
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const HOST_IP_FORWARD = fs.readFileSync(IP_FORWARD, 'utf8');
let liveWorlds = 0;

/** Live processes whose command line names `text` (a world's root: its shims, its cleanups). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) && !fs.readFileSync(`/proc/${entry}/stat`, 'utf8').includes(') Z')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Where cgroup hierarchies are mounted (each v1 controller, or the v2 root). */
export function cgroupMounts(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(' ')[4]!);
}

/** The mount points of the host's (this process's) mount namespace, decoded. */
export function hostMountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4]!.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
}

/** Waits until `check` holds, polling; for states that other processes reach (no timing asserts). */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
