// `mydocker create [OPTIONS] IMAGE [COMMAND] [ARG...]`: the container `run` would make, not started;
// prints its ID. `start` starts it (in the background, or attached with -a/-i), as Docker's.
import { cliRuntime } from '../runtime.js';
import { toArray } from '../argv.js';
import { runSpec } from '../run-spec.js';

export default async function create(args: unknown[], options: Record<string, unknown>, command: string[]): Promise<number> {
  const runtime = await cliRuntime(options, toArray(options.plugin));
  const { id } = await runtime.create(runSpec(String(args[0]), command, options));
  process.stdout.write(`${id}\n`);
  return 0;
}
