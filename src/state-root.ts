// Where everything of one mydocker "world" lives, and who may enter it. The root is a parameter
// (--root, MYDOCKER_ROOT), never a constant, so tests and users can keep separate worlds side by
// side. Library code, run by every command's process (and by `cleanup`, which the shim starts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError, errnoReason } from './errors.js';

export const DEFAULT_ROOT = '/var/lib/mydocker';

/**
 * The root's mode, as Docker's /var/lib/docker: its owner (root) and group may pass through,
 * nobody else may even look up a name in it.
 */
export const ROOT_MODE = 0o710;
/** The mode of each top-level directory that holds containers', images' or volumes' data. */
export const PRIVATE_MODE = 0o700;
/**
 * The top-level directories that hold data of containers, images, volumes or networks. Each is
 * made 0700 by whoever creates it; `secure` repairs those of an older root, made 0755 (the class of
 * CVE-2021-41091: a local user who can reach a container's files can run a setuid-root program the
 * container made or its image shipped).
 */
export const PRIVATE_DIRS = ['containers', 'storage', 'layers', 'images', 'volumes', 'networks', 'names', 'locks', 'tmp', 'cache'] as const;

export class StateRoot {
  readonly containers: string;
  readonly names: string;
  readonly images: string;
  readonly layers: string;
  readonly tmp: string;
  readonly configFile: string;

  constructor(readonly dir: string) {
    this.containers = path.join(dir, 'containers');
    this.names = path.join(dir, 'names');
    this.images = path.join(dir, 'images');
    this.layers = path.join(dir, 'layers');
    this.tmp = path.join(dir, 'tmp');
    this.configFile = path.join(dir, 'config.json');
  }

  /** The directory a storage driver owns, e.g. <root>/storage/overlay. */
  storage(driver: string): string {
    return path.join(this.dir, 'storage', driver);
  }

  /**
   * Makes the root exist and private. Every command's process runs this, so it walks nothing, and
   * on a root it already secured it is one stat: the root's mode 0710 says the work is done (the
   * private directories' owners make them 0700). On a new root, or one an older mydocker left
   * 0711 or 0755, it chmods the private top-level directories that exist to 0700, then the root to
   * 0710, last, so that an interrupted repair is redone by the next command.
   * Bind-mounted files under these directories (a container's hosts, a volume's _data) stay
   * usable inside containers: the kernel checks a mount's own inode, not its source's parents.
   */
  secure(): void {
    let root: fs.Stats | undefined;
    try {
      root = fs.statSync(this.dir, { throwIfNoEntry: false });
    } catch (error) {
      throw prepareError(this.dir, error); // a parent that is a file, one we may not search
    }
    if (root?.isDirectory() && (root.mode & 0o7777) === ROOT_MODE) return;
    repairRoot(this.dir, root);
  }
}

/** Makes the root, or repairs an older one's modes: the rare path of `secure`, kept out of its way. */
function repairRoot(dir: string, root: fs.Stats | undefined): void {
  if (root && !root.isDirectory()) throw new MydockerError(`the state root ${dir} is not a directory`);
  // A world-writable directory (say --root /tmp) cannot be made private without breaking whatever
  // else uses it, and anybody could plant state in it: refused, not chmodded.
  if (root && root.mode & 0o002) {
    throw new MydockerError(`the state root ${dir} is writable by everyone`, { hint: 'give --root a directory of its own' });
  }
  try {
    if (!root) createRoot(dir);
    for (const name of PRIVATE_DIRS) {
      // stat follows a symlink (say storage moved to a bigger disk): the data is what to protect.
      const sub = path.join(dir, name);
      const stat = fs.statSync(sub, { throwIfNoEntry: false });
      if (stat?.isDirectory() && (stat.mode & 0o7777) !== PRIVATE_MODE) fs.chmodSync(sub, PRIVATE_MODE);
    }
    // mkdir's mode passes through the umask, and an old root has another mode: chmod either way.
    fs.chmodSync(dir, ROOT_MODE);
  } catch (error) {
    throw prepareError(dir, error);
  }
}

function prepareError(dir: string, error: unknown): MydockerError {
  const code = (error as NodeJS.ErrnoException).code;
  const denied = code === 'EACCES' || code === 'EPERM';
  return new MydockerError(`cannot prepare the state root ${dir}: ${errnoReason(error)}`, {
    cause: error,
    ...(denied ? { hint: 'mydocker runs as root (or give --root a directory of your own)' } : {}),
  });
}

/** The root itself; missing parents are made as mkdir -p makes them (0777 less the umask). */
function createRoot(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.mkdirSync(dir, { mode: ROOT_MODE });
  } catch (error) {
    // Another command made it meanwhile: fine, the caller sets its mode all the same.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** --root wins over MYDOCKER_ROOT, which wins over the default. */
export function resolveRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? (env.MYDOCKER_ROOT || DEFAULT_ROOT));
}
