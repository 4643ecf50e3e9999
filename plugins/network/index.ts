// Built-in plugin "mydocker:network": connects containers to networks through network drivers.
//   checkOptions  refuses a bad --net, -p or --ip before anything exists.
//   prepareRootfs writes /etc/hostname, /etc/hosts and /etc/resolv.conf and binds them into the root.
//   setupNetwork  (after the first process exists in its own network namespace, before the user's
//                 command runs): an address and the driver's join (see setup.ts).
//   teardownNetwork / releaseRootfs undo them.
//   an inspect section: NetworkSettings, the network, address and ports of a running container
//                 (the ports as the driver published them: those it picked for `-p 80` and -P too).
// `--net none` leaves loopback only (the core brings lo up in every new network namespace);
// `--net host` keeps the host's namespace (the core does not make one). The drivers are separate
// plugins: the built-in "bridge" (plugins/network/bridge/), or a user's (docs/plugins.md).
import { definePlugin } from '../../hooks/index.js';
import { NetworkOptionError, addedHosts, dnsSettings, exposedPorts, networkMode, publishedPorts, requestedAddress } from '../../hooks/network-options.js';
import { NETWORK_PLUGIN, savedPorts } from '../../hooks/ports.js';

export { NETWORK_PLUGIN };

export default definePlugin({
  name: NETWORK_PLUGIN,
  apply(api) {
    const work = () => import('./setup.js');

    api.hooks.checkOptions.tap(NETWORK_PLUGIN, (ctx) => {
      const mode = networkMode(ctx.options);
      const ports = publishedPorts(ctx.options);
      exposedPorts(ctx.options); // -P publishes them: refused now if they cannot be
      const ip = requestedAddress(ctx.options);
      addedHosts(ctx.options);
      const dns = dnsSettings(ctx.options);
      if (mode.kind === 'host' && dns.servers.length + dns.search.length + dns.options.length > 0) {
        // Docker's refusal: the host's own resolv.conf is the container's.
        throw new NetworkOptionError('conflicting options: dns and the network mode', { hint: 'with --net host the host\'s /etc/resolv.conf is used; drop --dns*' });
      }
      if (mode.kind === 'host' || mode.kind === 'none') {
        if (ports.length > 0) throw new NetworkOptionError(`published ports (-p) cannot be used with --net ${mode.kind}`, { hint: mode.kind === 'host' ? 'the container already uses the host\'s ports' : 'drop -p' });
        if (ip !== null) throw new NetworkOptionError(`--ip cannot be used with --net ${mode.kind}`);
        return;
      }
      if (mode.kind === 'default') {
        if (ip !== null) throw new NetworkOptionError('--ip needs a user-defined network', { hint: 'create one with: mydocker network create --subnet CIDR NAME' });
        return;
      }
      if (!api.networks.find(mode.ref)) throw new NetworkOptionError(`network ${mode.ref} not found`, { hint: 'see: mydocker network ls' });
    });
    api.hooks.prepareRootfs.tapPromise(NETWORK_PLUGIN, async (ctx) => (await work()).prepareEtc(ctx));
    api.hooks.releaseRootfs.tapPromise(NETWORK_PLUGIN, async (ctx) => {
      if (Array.isArray(ctx.state.etcMounts) && ctx.state.etcMounts.length > 0) (await work()).releaseEtc(ctx);
    });
    api.hooks.setupNetwork.tapPromise(NETWORK_PLUGIN, async (ctx) => (await work()).setup(ctx, api.networks, api.root));
    api.hooks.teardownNetwork.tapPromise(NETWORK_PLUGIN, async (ctx) => (await work()).teardown(ctx, api.networks, api.root));
    api.registerInspectSection('NetworkSettings', ({ container, state, running }) => ({
      NetworkMode: typeof container.options.network === 'string' ? container.options.network : 'bridge',
      IPAddress: running && typeof state.address === 'string' ? state.address : '',
      NetworkID: running && typeof state.network === 'string' ? state.network : '',
      Ports: running ? dockerPorts(savedPorts(container.options, { [NETWORK_PLUGIN]: state })) : {},
    }));
  },
});

/** Docker's NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}, ...]}. */
function dockerPorts(bindings: ReturnType<typeof savedPorts>): { [port: string]: Array<{ HostIp: string; HostPort: string }> } {
  const ports: { [port: string]: Array<{ HostIp: string; HostPort: string }> } = {};
  for (const b of bindings) (ports[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  return ports;
}
