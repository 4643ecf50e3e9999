// Docker's way with commands over several containers (rm, stop, kill): act on each, print its
// name on success, one line per failure, and exit 1 if any failed.
import { MydockerError } from '../errors.js';

export async function forEachContainer(refs: string[], command: string, act: (ref: string) => Promise<void> | void): Promise<number> {
  if (refs.length === 0) throw new MydockerError(`"${command}" requires at least 1 argument`, { hint: `see 'mydocker ${command} --help'` });
  let failed = false;
  for (const ref of refs) {
    try {
      await act(ref);
      process.stdout.write(`${ref}\n`);
    } catch (error) {
      if (!(error instanceof MydockerError)) throw error;
      failed = true;
      process.stderr.write(`mydocker: ${error.message}${error.hint ? ` (${error.hint})` : ''}\n`);
    }
  }
  return failed ? 1 : 0;
}
