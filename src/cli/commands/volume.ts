// `mydocker volume create [--driver NAME] [NAME] | ls [-q] | rm NAME... | inspect NAME...`, in the
// CLI process, through the runtime's volume methods (the volume drivers plugins register,
// hooks/volumes.ts). Refusals (unknown volume, volume in use, bad name) exit 1, as Docker's volume
// commands do; a misused command exits 125 like every usage error.
import { MydockerError } from '../../errors.js';
import type { Runtime, VolumeDetails } from '../../runtime/runtime.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';
import { table } from '../format.js';
import { cliRuntime } from '../runtime.js';

export default async function volume(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const action = String(args[0]);
  // Names after `--` (cac keeps them apart) are names all the same: `create -- -x` must not
  // quietly make a volume or network of another name.
  const names = [...toArray(args[1]), ...toArray(options['--'])];
  const runtime = await cliRuntime(options, toArray(options.plugin));
  switch (action) {
    case 'create': {
      if (names.length > 1) throw usage('"volume create" takes at most 1 argument');
      const volume = await runtime.createVolume({ name: names[0], driver: lastValue(options.driver) });
      process.stdout.write(`${volume.name}\n`);
      return 0;
    }
    case 'ls':
    case 'list': {
      if (names.length > 0) throw usage('"volume ls" takes no arguments');
      const volumes = await runtime.listVolumes();
      if (options.quiet === true) process.stdout.write(volumes.map((v) => `${v.name}\n`).join(''));
      else process.stdout.write(table(['DRIVER', 'VOLUME NAME'], volumes.map((v) => [v.driver, v.name])));
      return 0;
    }
    case 'rm':
    case 'remove':
      return forEachContainer(names, 'volume rm', (name) => runtime.removeVolume(name));
    case 'inspect':
      return inspect(runtime, names);
    default:
      throw usage(`unknown volume command "${action}"`);
  }
}

async function inspect(runtime: Runtime, names: string[]): Promise<number> {
  if (names.length === 0) throw usage('"volume inspect" requires at least 1 argument');
  const found: ReturnType<typeof describeVolume>[] = [];
  let failed = false;
  for (const name of names) {
    const volume = await runtime.inspectVolume(name);
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
function describeVolume(v: VolumeDetails): { CreatedAt: string; Driver: string; Mountpoint: string; Name: string; Scope: string; Anonymous: boolean } {
  return { CreatedAt: v.createdAt, Driver: v.driver, Mountpoint: v.mountpoint, Name: v.name, Scope: 'local', Anonymous: v.anonymous };
}

function usage(message: string): MydockerError {
  return new MydockerError(message, { hint: "see 'mydocker volume --help'" });
}
