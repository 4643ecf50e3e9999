// Whether a process of the host already listens on a port. A published port's DNAT would take that
// process's traffic away without a word; Docker's proxy fails to bind then, and so do we refuse.
// Read from /proc/net/{tcp,udp}{,6}: no subprocess, well under a millisecond.
import * as fs from 'node:fs';
import type { PortMapping } from '../../../hooks/index.js';

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

export function hostListener(port: PortMapping, procNet = '/proc/net'): string | null {
  for (const family of ['', '6']) {
    let text: string;
    try {
      text = fs.readFileSync(`${procNet}/${port.protocol}${family}`, 'utf8');
    } catch {
      continue; // no IPv6 on this host
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== (port.protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
      const [hexAddress, hexPort] = local.split(':');
      if (parseInt(hexPort ?? '', 16) !== port.hostPort) continue;
      const address = family === '' ? ipv4Of(hexAddress!) : ipv6Wildcard(hexAddress!) ? '0.0.0.0' : null;
      if (address === null) continue; // bound to one IPv6 address: not in the way of IPv4
      if (address === '0.0.0.0' || port.hostIp === '0.0.0.0' || address === port.hostIp) return `${address}:${port.hostPort}/${port.protocol}`;
    }
  }
  return null;
}

/** /proc prints the address as the host-order hex of its network-order bytes (little-endian here). */
function ipv4Of(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

function ipv6Wildcard(hex: string): boolean {
  return /^0+$/.test(hex);
}
