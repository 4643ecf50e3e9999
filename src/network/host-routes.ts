// The host's IPv4 routes, from /proc/net/route (no netlink needed, and no subprocess): a new
// network's subnet must not overlap a network the host already reaches directly, or the host would
// lose its way to one of them.
import * as fs from 'node:fs';
import { endianness } from 'node:os';
import type { Subnet } from '../../hooks/ipv4.js';

export interface HostRoute {
  device: string;
  subnet: Subnet;
}

export function hostRoutes(file = '/proc/net/route'): HostRoute[] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const routes: HostRoute[] = [];
  for (const line of lines) {
    const [device, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (device === undefined || destination === undefined || mask === undefined) continue;
    const network = toAddress(destination);
    const maskValue = toAddress(mask);
    const prefix = countBits(maskValue);
    if (prefix === 0) continue; // the default route overlaps everything by definition
    routes.push({ device, subnet: { network, prefix } });
  }
  return routes;
}

/** The kernel prints the big-endian address as a host-order number in hex. */
function toAddress(hex: string): number {
  const value = parseInt(hex, 16) >>> 0;
  if (endianness() === 'BE') return value;
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

function countBits(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m = (m << 1) >>> 0) n++;
  return n;
}
