// The built-in "bridge" network driver: a Linux bridge per network holding the gateway address, a
// veth pair per container (host end on the bridge, the other end the container's eth0), addresses
// from the state root's bitmap IPAM, and iptables rules for NAT, forwarding, isolation and
// published ports, whose IPv6 side (and the holding of every published port) is mydocker-proxy's
// (publish.ts, proxy.ts). Links are made over rtnetlink (rtnl.ts), never with `ip`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JoinContext, LeaveContext, NetworkContext, NetworkDriver, Networks, PluginState } from '../../../hooks/index.js';
import { PROXY_PROGRAM } from '../../../hooks/port-proxy.js';
import type { PortProxies, ProxyProcess } from './proxy.js';
import type { Iptables } from './iptables.js';
import { bridgeName, containerTag, networkRules, networkTag, vethName } from './rules.js';
import { openRtnl, openRtnlIn, RtnlError, type Rtnl } from './rtnl.js';

export interface BridgeDeps {
  networks: Networks;
  /** The state root: the published-ports lock lives under it. */
  root: string;
  iptables?: Iptables;
  sysctl?: (key: string, value: string) => void;
  /** Where mydocker's native programs are (the port proxy). */
  shimDir: string;
  proxies?: PortProxies;
}

export function bridgeDriver(deps: BridgeDeps): NetworkDriver {
  // iptables is needed to create a network and for published ports, not by a plain join: loaded
  // then only (every module is a millisecond or so of a run's start-up).
  const firewall = async (): Promise<Iptables> => (deps.iptables ??= (await import('./iptables.js')).iptables());
  const sysctl = deps.sysctl ?? writeSysctl;
  // Loaded, like iptables, only by runs that publish ports.
  const proxies = async (): Promise<PortProxies> => (deps.proxies ??= (await import('./proxy.js')).portProxies(path.join(deps.shimDir, PROXY_PROGRAM)));

  /** The bridge, its address and its rules; each step is skipped when already there (idempotent). */
  const ensureNetwork = async (ctx: NetworkContext): Promise<number> => {
    const bridge = (ctx.state.bridge as string | undefined) ?? bridgeName(ctx.network.id);
    ctx.state.bridge = bridge;
    const [, prefix] = ctx.network.subnet.split('/');
    const rtnl = openRtnl(ctx.kernel);
    try {
      let index = await rtnl.linkIndex(bridge);
      if (index === null) {
        await ignoring('EEXIST', rtnl.createBridge(bridge)); // another process made it meanwhile
        index = await rtnl.linkIndex(bridge);
        if (index === null) throw new Error(`bridge ${bridge} vanished right after it was made`);
      }
      await ignoring('EEXIST', rtnl.addAddress(index, ctx.network.gateway, Number(prefix)));
      await rtnl.setLink(index, { up: true });
      // Containers' traffic is routed through the host; 127.0.0.1:PORT of a published port is
      // DNATed out of lo's range onto the bridge (see rules.ts).
      sysctl('net/ipv4/ip_forward', '1');
      sysctl(`net/ipv4/conf/${bridge}/route_localnet`, '1');
      const tag = networkTag(ctx.network.id);
      const rules = await firewall();
      if (rules.list(tag).length === 0) rules.add(tag, networkRules(bridge, ctx.network.subnet));
      return index;
    } finally {
      rtnl.close();
    }
  };

  return {
    name: 'bridge',

    async createNetwork(ctx) {
      await ensureNetwork(ctx);
    },

    async deleteNetwork(ctx) {
      const bridge = (ctx.state.bridge as string | undefined) ?? bridgeName(ctx.network.id);
      const rtnl = openRtnl(ctx.kernel);
      try {
        await rtnl.deleteLink(bridge);
      } finally {
        rtnl.close();
      }
      (await firewall()).remove(networkTag(ctx.network.id));
    },

    allocateAddress(ctx, requested) {
      return deps.networks.ipam.allocate(ctx.network, ctx.owner, requested);
    },

    releaseAddress(ctx) {
      return deps.networks.ipam.release(ctx.network, ctx.owner);
    },

    async join(ctx) {
      const bridge = (ctx.state.bridge as string | undefined) ?? bridgeName(ctx.network.id);
      const veth = vethName(ctx.container.id);
      ctx.endpoint.veth = veth;
      const prefix = Number(ctx.network.subnet.split('/')[1]);
      // Checked on every join, not only when the network was made: someone may have turned it off since.
      sysctl('net/ipv4/ip_forward', '1');
      const netns = fs.openSync(`/proc/${ctx.pid}/ns/net`, 'r');
      try {
        await withRtnl(openRtnl(ctx.kernel), async (rtnl) => {
          // Gone after a reboot (links and rules do not survive one; the network's record does).
          const master = (await rtnl.linkIndex(bridge)) ?? (await ensureNetwork({ network: ctx.network, state: { ...ctx.state }, kernel: ctx.kernel }));
          try {
            await rtnl.createVeth(veth, 'eth0', netns, { master, up: true });
          } catch (error) {
            // The container's veth of an earlier start, left by a run that died before its
            // teardown (the name comes from the container's ID): it is stale, replace it.
            if (!(error instanceof RtnlError) || error.code !== 'EEXIST') throw error;
            await rtnl.deleteLink(veth);
            await rtnl.createVeth(veth, 'eth0', netns, { master, up: true });
          }
        });
        // A container that reaches its own published port through the host's address sends the
        // frame to the bridge and gets the DNATed answer back through the same port: the bridge
        // only does that with hairpin mode on the port (as Docker sets it without its proxy).
        fs.writeFileSync(`/sys/class/net/${veth}/brport/hairpin_mode`, '1');
        await withRtnl(openRtnlIn(ctx.kernel, netns, (fd, type) => ctx.kernel.setns(fd, type)), async (inside) => {
          const eth0 = await inside.linkIndex('eth0');
          if (eth0 === null) throw new Error(`the container's end of ${veth} did not arrive in its namespace`);
          await inside.addAddress(eth0, ctx.address, prefix);
          await inside.setLink(eth0, { up: true });
          await inside.addDefaultRoute(ctx.network.gateway);
        });
      } finally {
        fs.closeSync(netns);
      }
      if (ctx.ports.length > 0) await publish(ctx, bridge);
    },

    async leave(ctx) {
      const veth = (ctx.endpoint.veth as string | undefined) ?? vethName(ctx.container.id);
      // The veth goes with the container's network namespace, which dies with its last process:
      // the kernel removes it a few milliseconds after the container ends, on a worker of its own.
      // Deleting it here instead costs more than waiting: a live veth's unregistration waits for
      // RCU grace periods (17-23 ms measured here), and a delete sent while the kernel is tearing
      // the namespace down waits for its rtnl lock. So it is waited for, and deleted only if it
      // stays: a namespace someone still holds (an open descriptor of it, a bind mount).
      if (!(await linkGoneWithin(veth, VETH_GONE_WAIT_MS))) {
        const rtnl = openRtnl(ctx.kernel);
        try {
          await rtnl.deleteLink(veth);
        } catch (error) {
          ctx.errors.push(error as Error);
        } finally {
          rtnl.close();
        }
      }
      if (hasPorts(ctx)) {
        await (await proxies()).stop(savedProxy(ctx.endpoint), { root: deps.root, container: ctx.container.id });
        (await firewall()).remove(containerTag(ctx.container.id));
      }
    },
  };

  /** The ports: picked, bound by the proxy, DNATed (publish.ts). */
  async function publish(ctx: JoinContext, bridge: string): Promise<void> {
    const [rules, proxy, { publishPorts }] = await Promise.all([firewall(), proxies(), import('./publish.js')]);
    await publishPorts(ctx, bridge, { root: deps.root, rules, proxies: proxy });
  }
}

/** The proxy a join saved, if it saved one. */
function savedProxy(endpoint: PluginState): ProxyProcess | null {
  const proxy = endpoint.proxy;
  if (typeof proxy !== 'object' || proxy === null || Array.isArray(proxy)) return null;
  return typeof proxy.pid === 'number' && typeof proxy.start === 'number' ? { pid: proxy.pid, start: proxy.start } : null;
}

/**
 * Whether the container may have published ports: from its options or its endpoint; when the
 * endpoint was never saved (a run killed half-way, a record lost), it may have, by all we know.
 */
function hasPorts(ctx: LeaveContext): boolean {
  const publish = ctx.container.options.publish;
  return (Array.isArray(publish) && publish.length > 0) || Array.isArray(ctx.endpoint.ports) || ctx.endpoint.veth === undefined;
}

/** How long a leave waits for the kernel to remove a veth with its namespace before deleting it. */
const VETH_GONE_WAIT_MS = 1000;

/**
 * Whether the host's link of that name is gone, now or within `ms`, by sysfs: it lists the links of
 * the network namespace of whoever mounted it, the host's (join writes the veth's hairpin mode
 * there too). Polled, not asked of netlink: a netlink request, even for a link that is gone, waits
 * for the rtnl lock, which namespaces being destroyed hold for long (twenty containers removed at
 * once). Without sysfs (no /sys/class/net/lo) nothing is sure: false at once, and netlink is asked.
 */
async function linkGoneWithin(name: string, ms: number): Promise<boolean> {
  if (!fs.existsSync('/sys/class/net/lo')) return false;
  const deadline = Date.now() + ms;
  for (;;) {
    if (!fs.existsSync(`/sys/class/net/${name}`)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function withRtnl<T>(rtnl: Rtnl, body: (rtnl: Rtnl) => Promise<T>): Promise<T> {
  try {
    return await body(rtnl);
  } finally {
    rtnl.close();
  }
}

async function ignoring(code: string, work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof RtnlError) || error.code !== code) throw error;
  }
}

function writeSysctl(key: string, value: string): void {
  const file = `/proc/sys/${key}`;
  if (fs.readFileSync(file, 'utf8').trim() !== value) fs.writeFileSync(file, value);
}
