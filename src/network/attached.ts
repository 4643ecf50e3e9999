// Which running containers are attached to a network, from their records (the options they were
// run with, and the process table): what the IPAM asks before it makes a lost address map again.
// A container whose record cannot be read counts: it may be running on the network.
import type { NetworkInfo } from '../../hooks/index.js';
import { networkRef } from '../../hooks/network-options.js';
import { ContainerStore, unreadableContainer } from '../container/store.js';
import { deriveStatus } from '../container/status.js';
import { StateRoot } from '../state-root.js';

export function attachedContainers(root: string, find: (ref: string) => NetworkInfo | null): (network: NetworkInfo) => string[] {
  return (network) => {
    const { records, broken } = new ContainerStore(new StateRoot(root)).scan();
    const running = records.filter((r) => {
      const ref = networkRef(r.options);
      // Stored as running: its setup got that far, so it holds an address of the network.
      return ref !== null && r.state.status === 'running' && deriveStatus(r) === 'running' && find(ref)?.id === network.id;
    });
    return [...running.map((r) => r.name), ...broken.map(unreadableContainer)];
  };
}
