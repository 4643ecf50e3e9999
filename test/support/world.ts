// A throwaway mydocker world for one integration test: its own state root under /tmp, the CLI run
// against it, and a cleanup that leaves the host as it was even when the test failed half-way
// (kills container processes it recorded, unmounts anything below the root, removes the root).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Why integration tests cannot run here, or null. */
export function integrationSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'integration tests need root';
  if (!fs.existsSync('/bin/busybox')) return 'busybox-static is not installed (/bin/busybox)';
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'the kernel has no overlayfs';
  return null;
}

export class World {
  readonly root: string;

  constructor(label: string) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `mydocker-test-${label}-`));
  }

  /** Runs the CLI synchronously against this world. */
  run(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
    const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      input: options.input ?? '',
      env: { PATH: process.env.PATH, ...options.env, MYDOCKER_ROOT: this.root },
      timeout: options.timeoutMs ?? 60_000,
    });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Starts the CLI in the background (for a container the test kills or inspects while it runs). */
  start(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawn> {
    return spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...env, MYDOCKER_ROOT: this.root },
    });
  }

  containerIds(): string[] {
    try {
      return fs.readdirSync(path.join(this.root, 'containers'));
    } catch {
      return [];
    }
  }

  record(id: string): { name: string; rootfs: string | null; state: { pid: number | null; status: string; exitCode: number | null } } {
    return JSON.parse(fs.readFileSync(path.join(this.root, 'containers', id, 'container.json'), 'utf8'));
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

  cleanup(): void {
    for (const id of this.containerIds()) {
      try {
        const pid = this.record(id).state.pid;
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const mount of this.mounts().sort().reverse()) spawnSync('umount', ['-l', mount]);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
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
