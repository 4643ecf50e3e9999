// `mydocker wait CONTAINER...`: blocks until each container stops, then prints its exit code, one
// line each, as Docker's. Exit 1 if any is unknown.
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { toArray } from '../argv.js';

export default async function wait(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  if (refs.length === 0) throw new MydockerError('"wait" requires at least 1 argument', { exitCode: 1, hint: "see 'mydocker wait --help'" });
  const runtime = await cliRuntime(options);
  let failed = false;
  for (const ref of refs) {
    try {
      const code = await runtime.wait(ref);
      // Docker prints -1 when the daemon cannot tell the code.
      process.stdout.write(`${code ?? -1}\n`);
    } catch (error) {
      if (!(error instanceof MydockerError)) throw error;
      failed = true;
      process.stderr.write(`mydocker: ${error.message}\n`);
    }
  }
  return failed ? 1 : 0;
}
