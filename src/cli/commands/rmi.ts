// `mydocker rmi [-f] IMAGE...`: "Untagged:" for each name removed, "Deleted:" for each image gone.
import { cliRuntime } from '../runtime.js';
import { toArray } from '../argv.js';
import { MydockerError } from '../../errors.js';
import { isStateFileError } from '../../../hooks/state-file.js';

export default async function rmi(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  if (refs.length === 0) throw new MydockerError('"rmi" requires at least 1 argument', { hint: "see 'mydocker rmi --help'" });
  const runtime = await cliRuntime(options);
  let failed = false;
  for (const ref of refs) {
    try {
      const removed = runtime.removeImage(ref, { force: options.force === true });
      for (const name of removed.untagged) process.stdout.write(`Untagged: ${name}\n`);
      for (const id of removed.deleted ? [removed.deleted, ...removed.deletedParents] : []) process.stdout.write(`Deleted: ${id}\n`);
    } catch (error) {
      // Each image on its own: one that cannot be removed does not keep the others.
      if (!(error instanceof MydockerError) && !isStateFileError(error)) throw error;
      failed = true;
      process.stderr.write(`mydocker: ${error.message}${error.hint ? ` (${error.hint})` : ''}\n`);
    }
  }
  return failed ? 1 : 0;
}
