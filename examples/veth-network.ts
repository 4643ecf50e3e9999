// A network driver "veth": no bridge, one point-to-point veth pair per container. The host end,
// `vp` + the container ID's first 12 digits, holds the network's gateway address; the container's
// end, `eth0`, its own; each names the other as its peer (`ip addr add LOCAL peer REMOTE/32`), so
// the kernel makes the route to the other end itself and deletes it with the link. Many host ends
// share the gateway address. Containers reach the host; anything further is the host's routing
// (no NAT, no published ports: `-p` is refused).
//
//   mydocker network create --plugin examples/veth-network.ts --driver veth --subnet 10.99.0.0/24 p2p
//   mydocker run --rm --net p2p busybox ping -c1 10.99.0.1
//
// A plugin cannot use mydocker's own netlink code (plugins/network/bridge/ is not part of the
// contract), so this example spawns `ip` (iproute2) and `nsenter` (util-linux): a few milliseconds
// a command, and simple to read. Addresses come from the state root's IPAM (`api.networks.ipam`).
import { execFileSync } from 'node:child_process';
import { PluginFailure, definePlugin, type NetworkDriver, type Networks } from 'mydocker/hooks';

/** Runs a command; a failure throws its own stderr ("RTNETLINK answers: File exists"). */
function sh(command: string, ...args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${command} ${args.join(' ')}: ${stderr || (error as Error).message}`, { cause: error });
  }
}
/** `ip` inside the network namespace of process `pid` (the container's first process). */
const ipIn = (pid: number, ...args: string[]): void => sh('nsenter', `--net=/proc/${pid}/ns/net`, 'ip', ...args);
/** Derived from the container's ID, so that leave finds it even when join crashed before saving. */
const hostEnd = (containerId: string): string => `vp${containerId.slice(0, 12)}`; // at most 15 chars

function vethDriver(networks: Networks): NetworkDriver {
  return {
    name: 'veth',
    // Nothing exists on the host until a container joins; refuse the network where the tools lack.
    async createNetwork() {
      for (const tool of ['ip', 'nsenter']) {
        try {
          execFileSync(tool, ['-V'], { stdio: 'ignore' });
        } catch {
          throw new PluginFailure(`the veth driver needs \`${tool}\``, { hint: 'install iproute2 and util-linux' });
        }
      }
    },
    async deleteNetwork() {},
    allocateAddress: (ctx, requested) => networks.ipam.allocate(ctx.network, ctx.owner, requested),
    releaseAddress: (ctx) => networks.ipam.release(ctx.network, ctx.owner),
    async join(ctx) {
      if (ctx.ports.length > 0) throw new PluginFailure('the veth driver cannot publish ports', { hint: 'use a bridge network for -p' });
      const host = hostEnd(ctx.container.id);
      const { gateway } = ctx.network;
      ctx.endpoint.hostEnd = host;
      // The pair is born with its inner end already in the container's namespace.
      sh('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(ctx.pid));
      sh('ip', 'addr', 'add', gateway, 'peer', `${ctx.address}/32`, 'dev', host);
      sh('ip', 'link', 'set', host, 'up');
      ipIn(ctx.pid, 'addr', 'add', ctx.address, 'peer', `${gateway}/32`, 'dev', 'eth0');
      ipIn(ctx.pid, 'link', 'set', 'eth0', 'up');
      ipIn(ctx.pid, 'route', 'add', 'default', 'via', gateway, 'dev', 'eth0');
    },
    // Deleting one end deletes the pair with its addresses and routes. When the container's
    // namespace died first, the kernel does so itself, after a while: a link that is gone, or goes
    // while `ip` deletes it ("No such device"), is success.
    async leave(ctx) {
      try {
        sh('ip', 'link', 'del', hostEnd(ctx.container.id));
      } catch (error) {
        if (!/Cannot find device|No such device/.test((error as Error).message)) throw error;
      }
    },
  };
}

export default definePlugin({ name: 'veth-network', apply: (api) => api.registerNetworkDriver(vethDriver(api.networks)) });
