// What the network plugin does for one container (loaded only by runs that need it):
//   prepareEtc:  /etc/hostname, /etc/hosts, /etc/resolv.conf, kept in the container's state
//                directory and bind-mounted over the image's (as Docker does: the image's layer and
//                `commit` never carry them, and the runtime can rewrite them while it runs).
//   setup:       an address from the network's driver, then the driver's join, then /etc/hosts with
//                the address (and, on a user network, every member's hosts with everyone's names).
//   teardown:    the driver's leave, the address released, the member removed from the others'
//                hosts. It finds the network again from the container's options when the setup's
//                state was never saved (a crash in the middle), and tolerates anything already gone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MS, type JsonValue, type Networks, type NetworkInfo, type PluginState, type ProcessContext, type RootfsContext, type RootfsReleaseContext, type TeardownContext } from '../../hooks/index.js';
import type { PortMapping } from '../../hooks/ports.js';
import { containerResolvConf, hostnameFile, hostsFile, hostsLines } from './etc-files.js';
import { makeMountPoint, unmountPinned, withPinnedPath } from '../../hooks/in-root.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { NetworkOptionError, addedHosts, dnsSettings, networkMode, networkRef, publishedPorts, requestedAddress } from '../../hooks/network-options.js';

const ETC_FILES = ['hostname', 'hosts', 'resolv.conf'] as const;

export function prepareEtc(ctx: RootfsContext): void {
  const mode = networkMode(ctx.container.options);
  const { hostname, stateDir } = ctx.container;
  const added = addedHosts(ctx.container.options);
  const content: Record<(typeof ETC_FILES)[number], string> = {
    hostname: hostnameFile(hostname),
    // On the host's network the host's names are the container's too, as with Docker (plus --add-host's).
    hosts: mode.kind === 'host' ? readOr('/etc/hosts', hostsFile({ hostname, address: null }, [])) + hostsLines(added) : hostsFile({ hostname, address: null }, [], added),
    'resolv.conf':
      mode.kind === 'host' ? readOr('/etc/resolv.conf', '') : containerResolvConf(readOr('/etc/resolv.conf', ''), readOrNull('/run/systemd/resolve/resolv.conf'), dnsSettings(ctx.container.options)),
  };
  const mounts = etcMounts(ctx.state);
  for (const name of ETC_FILES) {
    const source = path.join(stateDir, name);
    fs.writeFileSync(source, content[name], { mode: 0o644 });
    const target = makeMountPoint(ctx.rootfs, `/etc/${name}`, 'file');
    mounts.push(target); // before the mount: a failure after it is undone by releaseEtc
    withPinnedPath(target, 'file', (at) => ctx.kernel.mount(source, at, null, MS.BIND, null));
  }
}

export function releaseEtc(ctx: RootfsReleaseContext): void {
  const mounts = etcMounts(ctx.state);
  for (let i = mounts.length - 1; i >= 0; i--) {
    try {
      unmountPinned(ctx.kernel, mounts[i]!);
      mounts.splice(i, 1);
    } catch (error) {
      ctx.errors.push(error as Error);
    }
  }
}

/** `root` is the state root: a user network's members are listed under it. */
export async function setup(ctx: ProcessContext, networks: Networks, root: string): Promise<void> {
  const mode = networkMode(ctx.container.options);
  if (mode.kind === 'host' || mode.kind === 'none') return;
  const network = mode.kind === 'default' ? await networks.ensureDefault() : networks.find(mode.ref);
  if (!network) throw new NetworkOptionError(`network ${mode.kind === 'named' ? mode.ref : 'bridge'} not found`, { hint: 'see: mydocker network ls' });
  const driver = networks.driver(network.driver);
  // Saved with the container after this hook; until then teardown finds the network from options.
  ctx.state.network = network.id;
  stopPoint('network:found');
  const owner = { network, owner: ctx.container.id };
  const address = await driver.allocateAddress(owner, requestedAddress(ctx.container.options));
  ctx.state.address = address;
  stopPoint('network:address-allocated');
  const endpoint = ((ctx.state.endpoint as PluginState | undefined) ??= {});
  // What the driver publishes (ports it picked included), saved for `port`, `ps` and inspect.
  const published: PortMapping[] = [];
  ctx.state.ports = published as unknown as JsonValue[];
  await driver.join({
    network,
    state: networks.driverState(network),
    kernel: ctx.kernel,
    container: ctx.container,
    pid: ctx.pid,
    address,
    ports: publishedPorts(ctx.container.options),
    published,
    endpoint,
  });
  stopPoint('network:joined');
  const hosts = path.join(ctx.container.stateDir, 'hosts');
  const { name, hostname } = ctx.container;
  const added = addedHosts(ctx.container.options);
  const { EndpointRegistry, writeInPlace } = await import('./endpoints.js');
  if (network.isDefault) {
    // As on Docker's default bridge: no names of other containers.
    writeInPlace(hosts, hostsFile({ hostname, address }, [{ address, names: [name] }], added));
  } else {
    await new EndpointRegistry(root, ctx.kernel).join(network, ctx.container.id, { name, hostname, address, hostsFile: hosts, ...(added.length > 0 ? { added } : {}) });
  }
}

export async function teardown(ctx: TeardownContext, networks: Networks, root: string): Promise<void> {
  const network = await attachedNetwork(ctx, networks);
  if (!network) return;
  const driver = networks.driver(network.driver);
  const endpoint = ((ctx.state.endpoint as PluginState | undefined) ??= {});
  await driver.leave({ network, state: networks.driverState(network), kernel: ctx.kernel, container: ctx.container, endpoint, errors: ctx.errors });
  await driver.releaseAddress({ network, owner: ctx.container.id });
  if (!network.isDefault) {
    const { EndpointRegistry } = await import('./endpoints.js');
    await new EndpointRegistry(root, ctx.kernel).leave(network, ctx.container.id);
  }
  delete ctx.state.network;
  delete ctx.state.address;
  delete ctx.state.endpoint;
  delete ctx.state.ports;
}

/**
 * The network the container was (or may have been, if its state was never saved) connected to:
 * from its state, its options, or (its record lost) the network whose addresses it holds.
 */
async function attachedNetwork(ctx: TeardownContext, networks: Networks): Promise<NetworkInfo | null> {
  if (typeof ctx.state.network === 'string') return networks.find(ctx.state.network);
  if (Object.keys(ctx.container.options).length === 0) {
    // No options at all (a record lost: `rm` stands in an empty one): whichever holds its address.
    for (const network of networks.all()) {
      if ((await networks.ipam.allocated(network)).some((a) => a.owner === ctx.container.id)) return network;
    }
  }
  const ref = networkRef(ctx.container.options);
  return ref === null ? null : networks.find(ref);
}

function etcMounts(state: PluginState): string[] {
  if (!Array.isArray(state.etcMounts)) state.etcMounts = [];
  return state.etcMounts as string[];
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readOr(file: string, fallback: string): string {
  return readOrNull(file) ?? fallback;
}
