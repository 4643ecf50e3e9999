// The state root's network registry, as a plugin host offers it to plugins (`api.networks`):
// outside plugin-host.ts so that a host whose plugins need none (mydocker-runc's `delete` without a
// user's plugin) loads, and its small program holds, none of the network modules.
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import { attachedContainers } from '../network/attached.js';
import { NetworkManager } from '../network/networks.js';
import type { PluginHost } from './plugin-host.js';

export function stateRootNetworks(host: PluginHost, kernel: () => Kernel): NetworkManager {
  const networks: NetworkManager = new NetworkManager(path.join(host.root, 'networks'), {
    kernel,
    driver: (name) => host.networkDriver(name),
    attached: (network) => attachedContainers(host.root, (ref) => networks.find(ref))(network),
  });
  return networks;
}
