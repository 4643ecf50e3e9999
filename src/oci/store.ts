// Where `mydocker-runc` keeps its containers: <--root>/<id>/ (0700), holding state.json (the state
// record, what mydocker's hooks see of the container and what its plugins saved, so that `delete`,
// another process, runs their teardowns) and launch.bin (the launch message `create` made, which
// `start` sends). Written atomically; the status is derived when read (state.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue, PluginState } from '../../hooks/index.js';
import { writeFileAtomic } from '../../hooks/atomic-file.js';
import { isSameProcessAlive } from '../container/proc-stat.js';
import { MydockerError } from '../errors.js';
import type { OciHook } from './config.js';
import { STATE_FILE, checkContainerId, statusOf, type OciStateRecord, type OciStatus } from './state.js';

export const LAUNCH_FILE = 'launch.bin';

/** What mydocker's hooks see of an OCI container (ContainerInfo's fields), and its plugins' saved state. */
export interface EngineRecord {
  rootfs: string;
  hostname: string;
  command: string[];
  env: string[];
  cwd: string;
  tty: boolean;
  options: Record<string, JsonValue>;
  pluginState: Record<string, PluginState>;
}

export interface OciContainer extends OciStateRecord {
  engine: EngineRecord;
  /** The config's hooks that `start` and `delete` run (poststart, poststop). */
  hooks?: { poststart: OciHook[]; poststop: OciHook[] };
}

/** The runc error for an unknown ID: containerd matches on "does not exist". */
export class NoSuchOciContainer extends MydockerError {
  constructor(id: string) {
    super(`container "${id}" does not exist`, { exitCode: 1 });
  }
}

export class OciStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    checkContainerId(id);
    return path.join(this.root, id);
  }

  /** Makes the container's directory; refused when the ID is taken. */
  reserve(id: string): string {
    const dir = this.dir(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new MydockerError(`container with id exists: ${id}`, { exitCode: 1 });
      throw error;
    }
    return dir;
  }

  read(id: string): OciContainer | null {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir(id), STATE_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as OciContainer;
    } catch {
      throw new MydockerError(`${path.join(this.dir(id), STATE_FILE)}: not valid JSON (delete the container with: mydocker-runc delete --force ${id})`, { exitCode: 1 });
    }
  }

  /** The container, or the runc error when it is unknown. */
  get(id: string): OciContainer {
    const found = this.read(id);
    if (found === null) throw new NoSuchOciContainer(id);
    return found;
  }

  /** Whether the ID has a directory at all (a `create` killed before its first write leaves one). */
  exists(id: string): boolean {
    return fs.existsSync(this.dir(id));
  }

  /**
   * Writes the state file, unless its text would be `unchanged`: what this process wrote last, for
   * a container it is creating (nothing else writes one before `create` ends). Returns the text.
   */
  save(container: OciContainer, unchanged?: string): string {
    const text = JSON.stringify(container);
    if (text !== unchanged) writeFileAtomic(path.join(this.dir(container.id), STATE_FILE), text, { mode: 0o600 });
    return text;
  }

  saveLaunch(id: string, message: Buffer): void {
    const file = path.join(this.dir(id), LAUNCH_FILE);
    fs.writeFileSync(file, message, { mode: 0o600 });
  }

  readLaunch(id: string): Buffer {
    return fs.readFileSync(path.join(this.dir(id), LAUNCH_FILE));
  }

  remove(id: string): void {
    const dir = this.dir(id);
    // The files the store writes, then the directory: a few syscalls where a recursive rm walks
    // and stats everything (Node's rimraf). Anything else in it (a plugin's file): the walk after all.
    try {
      for (const name of [STATE_FILE, LAUNCH_FILE]) unlinkIfThere(path.join(dir, name));
      fs.rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The IDs of the root's containers. */
  ids(): string[] {
    try {
      return fs.readdirSync(this.root).filter((name) => !name.startsWith('.') && fs.existsSync(path.join(this.root, name, STATE_FILE)));
    } catch {
      return [];
    }
  }
}

function unlinkIfThere(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The status now, from the process table (and the freezer, when the container has one). */
export function statusNow(container: OciContainer, frozen: () => boolean = () => false): OciStatus {
  const alive = isSameProcessAlive(container.pid, container.pidStartTime);
  return statusOf(container, alive, alive && frozen());
}
