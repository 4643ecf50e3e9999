// `mydocker update [-m BYTES] [--memory-swap BYTES] [--cpus N] [--cpu-shares W] [--cpuset-cpus LIST]
// [--cpuset-mems LIST] [--pids-limit N] [--restart POLICY] CONTAINER...`: as Docker's; prints each
// container updated, one line per failure, exit 1 if any failed.
import { MydockerError } from '../../errors.js';
import { cliRuntime } from '../runtime.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';
import { limitOptions } from '../run-spec.js';

export default async function update(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const limits = limitOptions(options);
  const restart = lastValue(options.restart);
  if (Object.keys(limits).length === 0 && restart === undefined) {
    throw new MydockerError('you must provide one or more flags when using this command', { exitCode: 1, hint: "see 'mydocker update --help'" });
  }
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'update', (ref) => runtime.update(ref, { options: limits, ...(restart === undefined ? {} : { restart }) }));
}
