// Which host port a `-p CTR_PORT` (or `-P`) gets: Docker's way, a free port of the host's ephemeral
// range (/proc/sys/net/ipv4/ip_local_port_range), starting at a random one so that parallel runs
// rarely try the same. Pure apart from reading the range: the caller says what is busy (the other
// containers' rules, the host's listeners, what this run took); the proxy's bind() is the final
// word, and a port it cannot bind is marked busy and another chosen.
import * as fs from 'node:fs';

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** Docker's fallback when the range cannot be read. */
const DEFAULT_RANGE: PortRange = { first: 49153, last: 60999 };

export function ephemeralRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): PortRange {
  try {
    const [first, last] = fs.readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(first) && Number.isInteger(last) && first! >= 1 && last! <= 65535 && first! <= last!) return { first: first!, last: last! };
  } catch {
    // no /proc/sys: the default
  }
  return DEFAULT_RANGE;
}

/**
 * The first port of `range`, from a random one on and wrapping around, that `busy` does not claim;
 * null when every one is.
 */
export function choosePort(range: PortRange, busy: (port: number) => boolean, random: () => number = Math.random): number | null {
  const size = range.last - range.first + 1;
  const offset = Math.floor(random() * size) % size;
  for (let i = 0; i < size; i++) {
    const port = range.first + ((offset + i) % size);
    if (!busy(port)) return port;
  }
  return null;
}
