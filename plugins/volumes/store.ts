// Volumes on disk, the "local" driver: <root>/volumes/<name>/_data holds the data and
// <root>/volumes/<name>/volume.json the metadata (name, creation time, whether anonymous). Library
// code that never prints, used by the volumes plugin (in `run`, `start`, `rm`, `cleanup`) and by
// `mydocker volume` (through the plugin's "local" volume driver, see index.ts). A volume appears
// by one rename, so a concurrent reader never sees half.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../hooks/atomic-file.js';
import { VolumeError, type VolumeInfo } from '../../hooks/volumes.js';
import { boolean, isStateFileError, object, optional, readStateFileIfExists, string } from '../../hooks/state-file.js';
import { VOLUME_NAME_PATTERN, volumeNameProblem } from './spec.js';

const DATA = '_data';
const METADATA = 'volume.json';

const metadataCheck = object({ Name: optional(string), CreatedAt: optional(string), Anonymous: optional(boolean) });

export class VolumeStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, 'volumes');
  }

  /** The directory containers mount for this volume. */
  dataDir(name: string): string {
    return path.join(this.dir, checkName(name), DATA);
  }

  /** The volume, made now if it does not exist (creating an existing name is no error in Docker). */
  ensure(name: string, options: { anonymous?: boolean } = {}): { volume: VolumeInfo; created: boolean } {
    checkName(name);
    const existing = this.get(name);
    if (existing) return { volume: existing, created: false };
    // Only root may enter <root>/volumes and each volume's directory (as Docker's): a volume holds
    // what containers wrote, setuid programs included. Containers see only _data, a bind mount,
    // whose own mode is what counts inside them.
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Built aside, then renamed into place: another process creating the same name at the same time
    // loses the rename and uses the winner's volume.
    const tmp = fs.mkdtempSync(path.join(this.dir, `.new-${name}-`));
    try {
      fs.chmodSync(tmp, 0o700);
      fs.mkdirSync(path.join(tmp, DATA), { mode: 0o755 });
      fs.chmodSync(path.join(tmp, DATA), 0o755); // the volume's root in containers, whatever the umask
      const meta = { Name: name, CreatedAt: new Date().toISOString(), Anonymous: options.anonymous ?? false };
      writeFileAtomic(path.join(tmp, METADATA), `${JSON.stringify(meta)}\n`, { mode: 0o644 });
      try {
        fs.renameSync(tmp, path.join(this.dir, name));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        return { volume: this.get(name) ?? this.info(name), created: false };
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return { volume: this.info(name), created: true };
  }

  /** A new anonymous volume with a random 64-hex name. */
  createAnonymous(): VolumeInfo {
    return this.ensure(randomVolumeName(), { anonymous: true }).volume;
  }

  get(name: string): VolumeInfo | null {
    if (!VOLUME_NAME_PATTERN.test(name)) return null;
    try {
      if (!fs.statSync(path.join(this.dir, name, DATA)).isDirectory()) return null;
    } catch {
      return null;
    }
    return this.info(name);
  }

  /**
   * Every volume, by name. One whose metadata cannot be read is listed by its name all the same
   * (`volume inspect` says what is wrong): a list of the others is still right.
   */
  list(): VolumeInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .sort()
      .map((name) => {
        try {
          return this.get(name);
        } catch (error) {
          if (!isStateFileError(error)) throw error;
          return { name, mountpoint: path.join(this.dir, name, DATA), createdAt: '', anonymous: false };
        }
      })
      .filter((v): v is VolumeInfo => v !== null);
  }

  /** Deletes a volume and its data. The caller checks first that no container uses it. */
  remove(name: string): void {
    checkName(name);
    const dir = path.join(this.dir, name);
    // Renamed out of sight first: a half-deleted volume is never listed nor mounted.
    const doomed = path.join(this.dir, `.rm-${name}-${process.pid}-${Date.now()}`);
    try {
      fs.renameSync(dir, doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new VolumeError(`no such volume: ${name}`, 'not-found');
      throw error;
    }
    fs.rmSync(doomed, { recursive: true, force: true });
  }

  /** Its metadata; none (a volume directory made by hand) is a named volume as old as its directory. */
  private info(name: string): VolumeInfo {
    const dir = path.join(this.dir, name);
    const meta = readStateFileIfExists(path.join(dir, METADATA), metadataCheck, 'repair it, or remove it: the volume then counts as a named one') ?? {};
    return {
      name,
      mountpoint: path.join(dir, DATA),
      createdAt: meta.CreatedAt ?? statTime(dir),
      anonymous: meta.Anonymous === true,
    };
  }
}

/** 64 hex characters from the kernel (node:crypto would cost every command a few ms to load). */
export function randomVolumeName(): string {
  const buf = Buffer.alloc(32);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    fs.readSync(fd, buf, 0, buf.length, null);
  } finally {
    fs.closeSync(fd);
  }
  return buf.toString('hex');
}

function checkName(name: string): string {
  const problem = volumeNameProblem(name);
  if (problem) throw new VolumeError(`invalid volume name ${JSON.stringify(name.length <= 40 ? name : `${name.slice(0, 40)}…`)}: ${problem}`, 'invalid-name');
  return name;
}

function statTime(dir: string): string {
  try {
    return fs.statSync(dir).mtime.toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}
