// Where everything of one mydocker "world" lives. The root is a parameter (--root, MYDOCKER_ROOT),
// never a constant, so tests and users can keep separate worlds side by side.
import * as path from 'node:path';

export const DEFAULT_ROOT = '/var/lib/mydocker';

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
}

/** --root wins over MYDOCKER_ROOT, which wins over the default. */
export function resolveRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? (env.MYDOCKER_ROOT || DEFAULT_ROOT));
}
