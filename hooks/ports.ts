// `-p/--publish` specs. Docker's grammar is `[IP:][HOST_PORT:]CTR_PORT[/PROTO]` with ranges; we
// support the subset that maps one fixed host port to one container port, and refuse the rest by
// name instead of misreading it: a spec that silently published something else (or nothing) would
// be found only when a connection fails. A helper of hooks/: used by the network plugin (checks,
// setup), the bridge driver (collisions) and the CLI's `ps`.

import { PluginFailure } from './errors.js';
import type { PortMapping } from './network-driver.js';
import { parseAddress } from './ipv4.js';

// The mapping's type is the public one of hooks/ (network drivers receive it).
export type { PortMapping };

/**
 * A spec that is refused: the message names the spec and the reason, the hint shows the syntax.
 * Thrown from a plugin's hook it becomes the plugin's error; either way the CLI prints it as one
 * line with its hint, exit 125.
 */
export class PortSpecError extends PluginFailure {
  constructor(message: string, hint: string) {
    super(message, { hint });
    this.name = 'PortSpecError';
  }
}

const ANY = '0.0.0.0';
const SYNTAX_HINT = 'use [IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp], e.g. -p 8080:80 or -p 127.0.0.1:5353:53/udp';

function refuse(spec: string, reason: string): never {
  throw new PortSpecError(`invalid publish spec "${spec}": ${reason}`, SYNTAX_HINT);
}

// Digits only: no sign, no spaces, no "0x". Leading zeros are accepted as Docker does ("080" is 80).
const DIGITS = /^[0-9]+$/;
const RANGE = /^[0-9]+-[0-9]+$/;

function parsePort(spec: string, text: string, which: 'host' | 'container'): number {
  if (RANGE.test(text)) refuse(spec, 'port ranges are not supported');
  if (!DIGITS.test(text)) refuse(spec, `${which} port "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) refuse(spec, `${which} port ${text} is not between 1 and 65535`);
  return port;
}

/**
 * Parses one spec: `[IP:]HOST_PORT:CTR_PORT[/tcp|/udp]`. Throws a PortSpecError with a one-line
 * message naming the spec and a hint showing the syntax.
 */
export function parsePublish(spec: string): PortMapping {
  // Split like Docker: the last ':'-field is the container port, the one before the host port, and
  // everything before that the IP (so an unbracketed IPv6 address lands there whole).
  const parts = spec.split(':');
  const containerField = parts[parts.length - 1] ?? '';
  const hostPortText = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : null;
  const ipText = parts.length >= 3 ? parts.slice(0, -2).join(':') : null;

  // The protocol hangs off the container port. Docker lower-cases it, so "80/TCP" is tcp.
  const slash = containerField.indexOf('/');
  const containerText = slash < 0 ? containerField : containerField.slice(0, slash);
  let protocol: 'tcp' | 'udp' = 'tcp';
  if (slash >= 0) {
    const proto = containerField.slice(slash + 1).toLowerCase();
    // Docker also knows sctp; we have no way to forward it, so it is refused with the rest.
    if (proto !== 'tcp' && proto !== 'udp') {
      refuse(spec, `protocol "${containerField.slice(slash + 1)}" is not supported (use tcp or udp)`);
    }
    protocol = proto;
  }
  if (containerText === '') refuse(spec, 'no container port given');

  let hostIp = ANY;
  if (ipText !== null && ipText !== '') {
    // Docker strips brackets ("[::1]", also "[127.0.0.1]"); what is left with a ':' is IPv6.
    const bare = ipText.startsWith('[') && ipText.endsWith(']') ? ipText.slice(1, -1) : ipText;
    if (bare.includes(':') || bare.includes('[') || bare.includes(']')) refuse(spec, 'IPv6 host addresses are not supported');
    const address = parseAddress(bare);
    if (address === null) refuse(spec, `"${bare}" is not a valid IPv4 address`);
    hostIp = bare; // parseAddress is strict, so the accepted text is already the canonical form
  }

  // Docker picks a free host port when none is given (`-p 80`, `-p 127.0.0.1::80`); we have no
  // allocator for that, so a host port is required. Ranges are checked first so that
  // "8000-8010:80-90" is reported as a range, not as a bad number.
  if (RANGE.test(containerText) || (hostPortText !== null && RANGE.test(hostPortText))) {
    refuse(spec, 'port ranges are not supported');
  }
  if (hostPortText === null || hostPortText === '') {
    refuse(spec, 'a host port is required (publishing to a random host port is not supported)');
  }
  const hostPort = parsePort(spec, hostPortText, 'host');
  const containerPort = parsePort(spec, containerText, 'container');
  return { hostIp, hostPort, containerPort, protocol };
}

/** Docker's `ps` style: "0.0.0.0:8080->80/tcp". */
export function formatPort(p: PortMapping): string {
  return `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/**
 * Two mappings collide when protocol and host port are equal and their host IPs overlap
 * (0.0.0.0 overlaps every IP): the second bind() would fail with EADDRINUSE.
 */
export function portsCollide(a: PortMapping, b: PortMapping): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  if (a.hostIp === ANY || b.hostIp === ANY) return true;
  // Compare as numbers when both parse, so that equal addresses written differently still match.
  const x = parseAddress(a.hostIp);
  const y = parseAddress(b.hostIp);
  return x !== null && y !== null ? x === y : a.hostIp === b.hostIp;
}
