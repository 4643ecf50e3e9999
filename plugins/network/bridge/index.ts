// Built-in plugin "mydocker:bridge": registers the "bridge" network driver (driver.ts beside it),
// which serves the default network and every `network create` without --driver. Its code (netlink,
// iptables) is loaded only when a network is actually created, joined or left.
import { definePlugin, type NetworkDriver } from '../../../hooks/index.js';

export default definePlugin({
  name: 'mydocker:bridge',
  apply(api) {
    let loaded: Promise<NetworkDriver> | undefined;
    const real = (): Promise<NetworkDriver> =>
      (loaded ??= import('./driver.js').then(({ bridgeDriver }) => bridgeDriver({ networks: api.networks, root: api.root, shimDir: api.shimDir })));
    api.registerNetworkDriver({
      name: 'bridge',
      createNetwork: async (ctx) => (await real()).createNetwork(ctx),
      deleteNetwork: async (ctx) => (await real()).deleteNetwork(ctx),
      allocateAddress: async (ctx, requested) => (await real()).allocateAddress(ctx, requested),
      releaseAddress: async (ctx) => (await real()).releaseAddress(ctx),
      join: async (ctx) => (await real()).join(ctx),
      leave: async (ctx) => (await real()).leave(ctx),
    });
  },
});
