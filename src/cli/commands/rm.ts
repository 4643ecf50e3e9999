// `mydocker rm [-f] NAME...`: removes each; reports every failure, exits 1 if any (as Docker).
import { createRuntime } from '../../runtime/runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';

export default async function rm(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  if (refs.length === 0) throw new MydockerError('"rm" requires at least 1 argument', { hint: "see 'mydocker rm --help'" });
  const runtime = await createRuntime({ root: lastValue(options.root) });
  let failed = false;
  for (const ref of refs) {
    try {
      await runtime.remove(ref, { force: options.force === true });
      process.stdout.write(`${ref}\n`);
    } catch (error) {
      if (!(error instanceof MydockerError)) throw error;
      failed = true;
      process.stderr.write(`mydocker: ${error.message}${error.hint ? ` (${error.hint})` : ''}\n`);
    }
  }
  return failed ? 1 : 0;
}
