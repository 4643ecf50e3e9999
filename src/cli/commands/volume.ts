// `mydocker volume create [NAME] | ls [-q] | rm NAME... | inspect NAME...`, in the CLI process: the
// user's side of the volumes plugin's store (hooks/volumes.ts). Refusals (unknown volume, volume in
// use, bad name) exit 1, as Docker's volume commands do; a misused command exits 125 like every
// usage error.
import { MydockerError } from '../../errors.js';
import { VolumeError, type VolumeInfo, type Volumes } from '../../../hooks/volumes.js';
import { rootVolumes } from '../../runtime/builtin-services.js';
import { toArray } from '../argv.js';
import { forEachContainer } from '../each.js';
import { table } from '../format.js';
import { cliRuntime } from '../runtime.js';

export default async function volume(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const action = String(args[0]);
  // Names after `--` (cac keeps them apart) are names all the same: `create -- -x` must not
  // quietly make a volume or network of another name.
  const names = [...toArray(args[1]), ...toArray(options['--'])];
  const runtime = await cliRuntime(options);
  const store = await rootVolumes(runtime.root.dir);
  switch (action) {
    case 'create': {
      if (names.length > 1) throw usage('"volume create" takes at most 1 argument');
      const volume = userErrors(() => store.create(names[0]));
      process.stdout.write(`${volume.name}\n`);
      return 0;
    }
    case 'ls':
    case 'list': {
      if (names.length > 0) throw usage('"volume ls" takes no arguments');
      const volumes = store.list();
      if (options.quiet === true) process.stdout.write(volumes.map((v) => `${v.name}\n`).join(''));
      else process.stdout.write(table(['DRIVER', 'VOLUME NAME'], volumes.map((v) => ['local', v.name])));
      return 0;
    }
    case 'rm':
    case 'remove':
      return forEachContainer(names, 'volume rm', (name) => {
        if (!store.get(name)) throw new MydockerError(`no such volume: ${name}`, { exitCode: 1 });
        // Stopped containers count: starting one again mounts the volume again (as in Docker).
        const users = store.usedBy(runtime.containers.list(), name);
        if (users.length > 0) {
          throw new MydockerError(`volume ${name} is in use by container ${users.join(', ')}`, { exitCode: 1, hint: 'remove the container first' });
        }
        userErrors(() => store.remove(name));
      });
    case 'inspect':
      return inspect(store, names);
    default:
      throw usage(`unknown volume command "${action}"`);
  }
}

function inspect(store: Volumes, names: string[]): number {
  if (names.length === 0) throw usage('"volume inspect" requires at least 1 argument');
  const found: ReturnType<typeof describeVolume>[] = [];
  let failed = false;
  for (const name of names) {
    const volume = store.get(name);
    if (volume) {
      found.push(describeVolume(volume));
    } else {
      failed = true;
      process.stderr.write(`mydocker: no such volume: ${name}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  return failed ? 1 : 0;
}

/** Docker's field names, plus whether the volume is anonymous (Docker keeps that as a label). */
function describeVolume(v: VolumeInfo): { CreatedAt: string; Driver: string; Mountpoint: string; Name: string; Scope: string; Anonymous: boolean } {
  return { CreatedAt: v.createdAt, Driver: 'local', Mountpoint: v.mountpoint, Name: v.name, Scope: 'local', Anonymous: v.anonymous };
}

/** The store's refusals are the user's errors: exit 1, as Docker's daemon errors are. */
function userErrors<T>(act: () => T): T {
  try {
    return act();
  } catch (error) {
    if (error instanceof VolumeError) throw new MydockerError(error.message, { exitCode: 1 });
    throw error;
  }
}

function usage(message: string): MydockerError {
  return new MydockerError(message, { hint: "see 'mydocker volume --help'" });
}
