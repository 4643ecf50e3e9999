// `mydocker-runc delete`, run by the whole program (commands.ts) and by its own small one
// (delete-cli.ts): the plugin host's teardowns, under the container's lock (id-lock.ts).
import type { NetworksFactory } from '../../runtime/plugin-host.js';
import type { RuncCommandLine } from './args.js';
import { rootOf } from './hot-commands.js';

/** `networks`: the plugin host's network registry, which the whole program gives and the small one need not (delete-cli.ts). */
export async function runDeleteCommand(line: RuncCommandLine, warn: (message: string) => void, networks?: NetworksFactory): Promise<number> {
  const root = rootOf(line);
  const id = line.args[0]!;
  const [{ ociBaseDeps }, { withIdLock }] = await Promise.all([import('../../oci/base-deps.js'), import('../../oci/id-lock.js')]);
  const deps = ociBaseDeps(root, networks);
  return withIdLock(root, id, async () => {
    const { deleteContainer } = await import('../../oci/delete.js');
    for (const message of await deleteContainer(deps, id, line.flags.force === true)) warn(message);
    return 0;
  });
}
