// A container's published ports, as the bridge driver's join makes them: the host ports not given
// picked (`-p 80`, `-P`), the ones given checked, the proxy that binds them all started, then the
// IPv4 rules (DNAT) added. Under a lock, so that two runs of this root never pick one port, and with
// the proxy's bind() as the final word against everyone else (the runs of other state roots, host
// processes that bind meanwhile): a port picked at random that it cannot bind is replaced.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JoinContext, PortMapping } from '../../../hooks/index.js';
import { withFileLock } from '../../../hooks/file-lock.js';
import { RANDOM_PORT, bindingsOf, hostAndPort, isIpv6, portsCollide } from '../../../hooks/ports.js';
import { processStartTime } from '../../../hooks/proc-stat.js';
import { stopPoint } from '../../../hooks/stop-point.js';
import type { Iptables } from './iptables.js';
import { containerTag, portRules, publishedBy } from './rules.js';
import { choosePort, ephemeralRange, type PortRange } from './port-choice.js';
import { ProxyBindError, type PortProxies } from './proxy.js';
import { hostListener as readHostListener } from './host-ports.js';

export interface PublishDeps {
  /** The state root: the published-ports lock lives under it, and the proxy names it. */
  root: string;
  rules: Iptables;
  proxies: PortProxies;
  hostHasIpv6?: () => boolean;
  /** Where random host ports come from (default: the host's ephemeral range). */
  portRange?: PortRange;
  hostListener?: (port: PortMapping) => string | null;
  random?: () => number;
}

/** How many ports a run picks for its requests before it gives up (each one refused by bind()). */
const MAX_PICKS = 20;

export async function publishPorts(ctx: JoinContext, bridge: string, deps: PublishDeps): Promise<void> {
  const ipv6 = (deps.hostHasIpv6 ?? hostHasIpv6)();
  const range = deps.portRange ?? ephemeralRange();
  const hostListener = deps.hostListener ?? readHostListener;
  const pidStart = processStartTime(ctx.pid);
  if (pidStart === null) throw new Error(`the container's first process (${ctx.pid}) ended before its ports were published`);
  await withFileLock(ctx.kernel, path.join(deps.root, 'networks', 'ports.lock'), async () => {
    // The other containers' ports, of any state root: the rules are the registry.
    const taken = deps.rules
      .list('mydocker:ctr:')
      .map((r) => publishedBy(r.line))
      .filter((p): p is PortMapping => p !== null);
    const inUse = (binding: PortMapping, others: readonly PortMapping[]): string | null => {
      const clash = [...taken, ...others].find((t) => portsCollide(t, binding));
      if (clash) return `port is already allocated (to ${hostAndPort(clash.hostIp, clash.hostPort)}/${clash.protocol})`;
      // IPv6 listeners are the proxy's bind() to find: /proc does not tell an IPv6-only one.
      const listener = isIpv6(binding.hostIp) ? null : hostListener(binding);
      return listener ? `a host process already listens on ${listener}` : null;
    };
    for (const request of ctx.ports) {
      if (request.hostPort === RANDOM_PORT) continue;
      for (const binding of bindingsOf(request, request.hostPort, ipv6)) {
        const why = inUse(binding, []);
        if (why) throw new Error(`Bind for ${hostAndPort(binding.hostIp, binding.hostPort)} failed: ${why}`);
      }
    }
    const refused = new Set<string>(); // "udp/49153": picked, and the proxy could not bind it
    for (let attempt = 1; ; attempt++) {
      const bindings: PortMapping[] = [];
      const picked: boolean[] = [];
      for (const request of ctx.ports) {
        let hostPort = request.hostPort;
        if (hostPort === RANDOM_PORT) {
          const busy = (port: number): boolean => refused.has(`${request.protocol}/${port}`) || bindingsOf(request, port, ipv6).some((b) => inUse(b, bindings) !== null);
          const port = choosePort(range, busy, deps.random);
          if (port === null) throw new Error(`no free host port for ${request.containerPort}/${request.protocol} in ${range.first}-${range.last}`);
          hostPort = port;
        }
        for (const binding of bindingsOf(request, hostPort, ipv6)) {
          bindings.push(binding);
          picked.push(request.hostPort === RANDOM_PORT);
        }
      }
      // Recorded before the proxy and the rules exist: leave stops and removes them from these
      // (or, the state never saved, finds both by the container's ID).
      ctx.published.splice(0, ctx.published.length, ...bindings);
      ctx.endpoint.ports = bindings.map((b) => ({ ...b }));
      ctx.endpoint.proxy = null;
      try {
        const started = await deps.proxies.start({ root: deps.root, container: ctx.container.id, pid: ctx.pid, start: pidStart }, ctx.address, bindings);
        stopPoint('network:proxy-started');
        ctx.endpoint.proxy = { pid: started.pid, start: started.start };
        break;
      } catch (error) {
        const failed = error instanceof ProxyBindError ? bindings[error.index] : undefined;
        if (failed === undefined) throw error;
        const reason = (error as ProxyBindError).reason;
        if (!picked[(error as ProxyBindError).index] || attempt === MAX_PICKS) throw new Error(`Bind for ${hostAndPort(failed.hostIp, failed.hostPort)} failed: ${reason}`, { cause: error });
        refused.add(`${failed.protocol}/${failed.hostPort}`);
      }
    }
    // IPv4 is DNATed (the proxy only holds those ports); IPv6 is the proxy's alone.
    const nat = ctx.published.filter((b) => !isIpv6(b.hostIp));
    deps.rules.add(containerTag(ctx.container.id), nat.flatMap((p) => portRules(bridge, ctx.network.subnet, ctx.address, p)));
  });
}

/** Whether the host has IPv6 at all (booted with ipv6.disable=1 it has no if_inet6). */
function hostHasIpv6(): boolean {
  return fs.existsSync('/proc/net/if_inet6');
}
