// `mydocker inspect NAME...`: a JSON array, one object per container; exit 1 if any is unknown.
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { toArray } from '../argv.js';

export default async function inspect(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  if (refs.length === 0) throw new MydockerError('"inspect" requires at least 1 argument', { hint: "see 'mydocker inspect --help'" });
  const runtime = await cliRuntime(options);
  const found: unknown[] = [];
  let failed = false;
  for (const ref of refs) {
    try {
      found.push(await runtime.inspect(ref));
    } catch (error) {
      if (!(error instanceof MydockerError)) throw error;
      failed = true;
      process.stderr.write(`mydocker: ${error.message}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  return failed ? 1 : 0;
}
