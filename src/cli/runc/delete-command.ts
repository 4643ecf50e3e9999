// `mydocker-runc delete`, run by the whole program (commands.ts) and by its own small one
// (delete-cli.ts): the plugin host's teardowns, under the container's lock (id-lock.ts).
import type { RuncCommandLine } from './args.js';
import { rootOf } from './hot-commands.js';

export async function runDeleteCommand(line: RuncCommandLine, warn: (message: string) => void): Promise<number> {
  const root = rootOf(line);
  const id = line.args[0]!;
  const [{ ociBaseDeps }, { withIdLock }] = await Promise.all([import('../../oci/base-deps.js'), import('../../oci/id-lock.js')]);
  const deps = ociBaseDeps(root);
  return withIdLock(root, id, async () => {
    const { deleteContainer } = await import('../../oci/delete.js');
    for (const message of await deleteContainer(deps, id, line.flags.force === true)) warn(message);
    return 0;
  });
}
