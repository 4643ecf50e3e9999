// `ps` without a Runtime: the Runtime class reaches, through its methods' imports, nearly all of
// mydocker (runs, builds, images, plugins), and the small program of `ps` (src/cli/ps-cli.ts) is
// bundled from what it imports. The same summaries as Runtime.listContainers, from the same root.
import { ContainerStore } from '../container/store.js';
import { StateRoot, resolveRoot } from '../state-root.js';
import { containerSummaries, type ContainerSummary } from './summaries.js';

/** Every container of the state root (`root`, or MYDOCKER_ROOT, or the default), as ps shows them. */
export function listContainers(root?: string): ContainerSummary[] {
  const stateRoot = new StateRoot(resolveRoot(root));
  // As every runtime does: the root made to exist and private (one stat when it already is).
  stateRoot.secure();
  return containerSummaries(new ContainerStore(stateRoot));
}
