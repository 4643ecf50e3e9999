// The runtime's network methods (create, inspect, rm), behind the Runtime facade, which loads this
// module on their first call; the list is the NetworkStore's, read by the facade directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetworkInfo } from '../../hooks/index.js';
import type { CreateNetworkSpec } from '../network/networks.js';
import { NetworkStore } from '../network/store.js';
import { MydockerError } from '../errors.js';
import type { RuntimeInternals } from './internals.js';
import { unreadableContainer } from '../container/store.js';

/** A network and the containers attached to it now (with their addresses). */
export interface NetworkDetails extends NetworkInfo {
  containers: Array<{ id: string; name: string; address: string }>;
}

export async function createNetwork(rt: RuntimeInternals, spec: Omit<CreateNetworkSpec, 'plugins'>): Promise<NetworkInfo> {
  const host = await rt.host();
  return host.networks.create({ ...spec, plugins: [...rt.userPluginFiles] });
}

export async function inspectNetwork(rt: RuntimeInternals, ref: string): Promise<NetworkDetails> {
  const store = new NetworkStore(path.join(rt.root.dir, 'networks'));
  const record = store.find(ref);
  if (!record) throw new MydockerError(`no such network: ${ref}`, { exitCode: 1 });
  const { BitmapIpam } = await import('../network/ipam.js');
  const allocated = await new BitmapIpam(store.dir, rt.kernel).allocated(record.info);
  const names = new Map(rt.containers.list().map((c) => [c.id, c.name]));
  return {
    ...record.info,
    // Every address the IPAM holds: an owner that is no container any more shows as a leak, unnamed.
    containers: allocated.map((a) => ({ id: a.owner, name: names.get(a.owner) ?? '', address: a.address })),
  };
}

export async function removeNetwork(rt: RuntimeInternals, ref: string): Promise<NetworkInfo> {
  const record = new NetworkStore(path.join(rt.root.dir, 'networks')).find(ref);
  for (const file of record?.plugins ?? []) if (fs.existsSync(file)) await rt.use(file);
  const host = await rt.host();
  const { networkRef } = await import('../../hooks/network-options.js');
  return host.networks.remove(ref, (network) => {
    // Each container's --net resolved as its run resolved it (name, ID or prefix), once per name.
    const resolved = new Map<string, string | undefined>();
    const idOf = (name: string) => (resolved.has(name) ? resolved.get(name) : resolved.set(name, host.networks.find(name)?.id).get(name));
    const { records, broken } = rt.containers.scan();
    const users = records
      .filter((c) => {
        const name = networkRef(c.options);
        return name !== null && idOf(name) === network.id;
      })
      .map((c) => c.name);
    // One whose record cannot be read may be attached: the network stays until it is removed.
    return [...users, ...broken.map(unreadableContainer)];
  });
}
