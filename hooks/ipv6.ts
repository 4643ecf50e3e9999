// The one IPv6 question mydocker asks (is this text an IPv6 address?), answered as node:net's
// isIP does, without loading node:net: it brings node:stream with it, ~4 ms of every `run` that
// writes a container's resolv.conf and relays nothing. The WHATWG URL parser, loaded with Node
// itself, validates the address; a zone (fe80::1%eth0, which resolv.conf may name) is allowed
// with the characters node:net allows in one.
const SHAPE = /^([0-9A-Fa-f:.]+)(?:%[0-9A-Za-z.:-]+)?$/;

export function isIPv6Address(text: string): boolean {
  const bare = SHAPE.exec(text)?.[1];
  if (bare === undefined || !bare.includes(':')) return false;
  try {
    new URL(`http://[${bare}]/`);
    return true;
  } catch {
    return false;
  }
}
