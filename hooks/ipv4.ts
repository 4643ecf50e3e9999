// IPv4 addresses and CIDR subnets as plain numbers, for the network allocator and the port and
// /etc file code. An address is an unsigned 32-bit integer. JavaScript's bitwise operators work on
// *signed* 32-bit integers, so every result that can have the top bit set goes through `>>> 0` to
// come back as an unsigned number (otherwise 128.0.0.0 would compare as negative). A helper of
// hooks/, for plugins and the core alike.

export interface Subnet {
  /** The network address (host bits all zero), as a uint32. */
  readonly network: number;
  /** The prefix length, 0..32. */
  readonly prefix: number;
}

// One octet: "0", or 1..3 digits without a leading zero. Leading zeros are refused because
// inet_aton and friends read "010" as octal (8) while others read it as 10: refusing is the only
// reading nobody can get wrong.
const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
// A prefix length, same rule: "08" is refused rather than guessed at.
const PREFIX = /^(?:0|[1-9][0-9]?)$/;

/** Parses a strict dotted quad ("172.18.0.1"); null for anything else. */
export function parseAddress(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    // Multiplication rather than `<< 8`: stays exact and unsigned past 2^31.
    n = n * 256 + octet;
  }
  return n;
}

export function formatAddress(n: number): string {
  const u = n >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 0xff}.${(u >>> 8) & 0xff}.${u & 0xff}`;
}

/** The netmask of a prefix length. `x << 32` is `x << 0` in JavaScript, hence the special case for 0. */
function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "ADDRESS/PREFIX" with any host bits; null when either half is malformed. */
export function parseCidrLoose(text: string): { address: number; prefix: number } | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !PREFIX.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > 32) return null;
  return { address, prefix };
}

/**
 * A subnet such as "172.18.0.0/16". Host bits must be zero: "172.18.0.5/16" is refused (null) rather
 * than silently truncated, since a user who wrote it most likely meant something else.
 */
export function parseSubnet(text: string): Subnet | null {
  const cidr = parseCidrLoose(text);
  if (cidr === null) return null;
  if ((cidr.address & ~maskOf(cidr.prefix)) >>> 0 !== 0) return null;
  return { network: cidr.address, prefix: cidr.prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${formatAddress(s.network)}/${s.prefix}`;
}

/** Number of addresses, network and broadcast included (2^32 for /0: still exact as a double). */
export function subnetSize(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function contains(s: Subnet, address: number): boolean {
  return (address & maskOf(s.prefix)) >>> 0 === s.network >>> 0;
}

/** CIDR blocks either nest or are disjoint, so they overlap exactly when the shorter one holds the other's network. */
export function overlaps(a: Subnet, b: Subnet): boolean {
  const outer = a.prefix <= b.prefix ? a : b;
  const inner = outer === a ? b : a;
  return contains(outer, inner.network);
}

/**
 * The address `offset` places into the subnet. Throws RangeError outside 0..size-1: an allocator
 * that ran past its subnet has a bug, and wrapping into a neighbour's addresses would hide it.
 */
export function addressAt(s: Subnet, offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset >= subnetSize(s)) {
    throw new RangeError(`offset ${offset} is outside ${formatSubnet(s)}`);
  }
  return (s.network + offset) >>> 0;
}

/** Where an address sits in the subnet; RangeError when it is not in it (same reason as addressAt). */
export function offsetOf(s: Subnet, address: number): number {
  if (!contains(s, address)) throw new RangeError(`${formatAddress(address)} is not in ${formatSubnet(s)}`);
  return (address >>> 0) - (s.network >>> 0);
}

/** The last address of the subnet (all host bits set). */
export function broadcastOf(s: Subnet): number {
  return (s.network | ~maskOf(s.prefix)) >>> 0;
}
