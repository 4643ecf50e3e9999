// Which firewall rules a bridge network and a published port need (pure: iptables.ts applies them).
//
// Per network, on bridge B with subnet S:
//   filter FORWARD, at the top, in this order:
//     -i B -o B ACCEPT               containers of the network reach each other
//     -i B -o mydocker-+ DROP        ... but not containers of another mydocker network
//     -i B ACCEPT                    ... and everything else (the outside)
//     -o B RELATED,ESTABLISHED       replies come back in
//   The explicit ACCEPTs make the network work even where the FORWARD policy is DROP, as Docker
//   leaves it; the DROP makes isolation hold even where the policy is ACCEPT.
//   nat POSTROUTING:
//     -s S ! -o B MASQUERADE         outbound traffic leaves with the host's address
//     -s 127.0.0.0/8 -o B MASQUERADE the host's own connections to 127.0.0.1:PORT, DNATed to a
//                                    container, must not arrive from 127.0.0.1 (with route_localnet
//                                    on B, the kernel lets them out of lo's range at all)
// Per published port HOST_IP:H -> C/P of a container at address A:
//   nat PREROUTING and OUTPUT: to a local address (or HOST_IP) port H -> DNAT A:C. OUTPUT serves the
//                              host itself, 127.0.0.1 included; PREROUTING serves everyone else.
//   nat POSTROUTING: -s S -d A --dport C MASQUERADE: a container of the same network that uses the
//                    host's address reaches A through the host; without this A would answer it
//                    directly, from an address it did not talk to.
//   filter FORWARD:  -d A ! -i mydocker-+ -o B --dport C ACCEPT: new connections from outside.
import type { PortMapping } from '../../../hooks/index.js';
import type { Rule } from './iptables.js';

/** Every mydocker bridge's name starts with this; iptables' "+" makes it a wildcard. */
export const BRIDGE_PREFIX = 'mydocker-';
const ALL_BRIDGES = `${BRIDGE_PREFIX}+`;

export function bridgeName(networkId: string): string {
  return `${BRIDGE_PREFIX}${networkId.slice(0, 6)}`; // IFNAMSIZ: at most 15 characters
}

export function vethName(containerId: string): string {
  return `veth${containerId.slice(0, 11)}`;
}

/** The comment every rule of a network carries: what removes them finds them by it. */
export function networkTag(networkId: string): string {
  return `mydocker:net:${networkId.slice(0, 12)}`;
}

/** The comment of every rule of a container's published ports. */
export function containerTag(containerId: string): string {
  return `mydocker:ctr:${containerId.slice(0, 12)}`;
}

export function networkRules(bridge: string, subnet: string): Rule[] {
  return [
    { table: 'filter', chain: 'FORWARD', first: true, args: ['-i', bridge, '-o', bridge, '-j', 'ACCEPT'] },
    { table: 'filter', chain: 'FORWARD', first: true, args: ['-i', bridge, '-o', ALL_BRIDGES, '-j', 'DROP'] },
    { table: 'filter', chain: 'FORWARD', first: true, args: ['-i', bridge, '-j', 'ACCEPT'] },
    { table: 'filter', chain: 'FORWARD', first: true, args: ['-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] },
    { table: 'nat', chain: 'POSTROUTING', args: ['-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE'] },
    { table: 'nat', chain: 'POSTROUTING', args: ['-s', '127.0.0.0/8', '-o', bridge, '-j', 'MASQUERADE'] },
  ];
}

export function portRules(bridge: string, subnet: string, address: string, port: PortMapping): Rule[] {
  const proto = ['-p', port.protocol, '-m', port.protocol];
  const toHost = port.hostIp === '0.0.0.0' ? ['-m', 'addrtype', '--dst-type', 'LOCAL'] : ['-d', `${port.hostIp}/32`];
  const dnat = [...toHost, ...proto, '--dport', String(port.hostPort), '-j', 'DNAT', '--to-destination', `${address}:${port.containerPort}`];
  return [
    { table: 'nat', chain: 'PREROUTING', args: dnat },
    { table: 'nat', chain: 'OUTPUT', args: dnat },
    { table: 'nat', chain: 'POSTROUTING', args: ['-s', subnet, '-d', `${address}/32`, '-o', bridge, ...proto, '--dport', String(port.containerPort), '-j', 'MASQUERADE'] },
    {
      table: 'filter',
      chain: 'FORWARD',
      first: true,
      args: ['-d', `${address}/32`, '!', '-i', ALL_BRIDGES, '-o', bridge, ...proto, '--dport', String(port.containerPort), '-j', 'ACCEPT'],
    },
  ];
}

/**
 * The host ports a saved DNAT rule publishes, read back from iptables-save's line (how a new run
 * sees the ports of every mydocker container, of any state root, without a registry).
 */
export function publishedBy(line: string): PortMapping | null {
  if (!line.startsWith('-A PREROUTING ') || !line.includes('-j DNAT')) return null;
  const protocol = /-p (tcp|udp)\b/.exec(line)?.[1] as 'tcp' | 'udp' | undefined;
  const hostPort = /--dport (\d+)/.exec(line)?.[1];
  const to = /--to-destination [\d.]+:(\d+)/.exec(line)?.[1];
  if (!protocol || !hostPort || !to) return null;
  const hostIp = /-d ([\d.]+)\/32/.exec(line)?.[1] ?? '0.0.0.0';
  return { hostIp, hostPort: Number(hostPort), containerPort: Number(to), protocol };
}
