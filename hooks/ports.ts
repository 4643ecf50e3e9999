// `-p/--publish` and `--expose` specs, and the published ports as they are shown. Docker's grammar
// is `[IP:][HOST_PORT:]CTR_PORT[/PROTO]` with ranges: a host port (given, or picked by the network
// driver when none is) for each container port, a range of container ports on as many host ports
// (`8000-8010:80-90`) or on picked ones (`80-90`). The one form we refuse by name, instead of
// misreading it, is a range of host ports for one container port (Docker takes the first free one):
// a spec that silently published something else (or nothing) would be found only when a
// connection fails. A helper of hooks/: used by the network plugin (checks, setup), the
// bridge driver (collisions), the runtime (-P) and the CLI's `ps` and `port`.
import { PluginFailure } from './errors.js';
import type { JsonValue, PluginState } from './container.js';
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

/** A request's hostIp when the spec names none: every address of the host, IPv4 and IPv6 (Docker's ""). */
export const ANY_HOST = '';
/** A request's hostPort when the spec names none: the driver picks a free one (Docker's "0"). */
export const RANDOM_PORT = 0;

const SYNTAX_HINT = 'use [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|/udp], ports or ranges FIRST-LAST, e.g. -p 8080:80, -p 80, -p 8000-8002:80-82, -p 127.0.0.1::53/udp or -p [::1]:8080:80';
/** More than this many ports in one -p is a typo rather than a wish (and as many listeners). */
const MAX_PUBLISH_RANGE = 1000;

function refuse(spec: string, reason: string): never {
  throw new PortSpecError(`invalid publish spec "${spec}": ${reason}`, SYNTAX_HINT);
}

// Digits only: no sign, no spaces, no "0x". Leading zeros are accepted as Docker does ("080" is 80).
const DIGITS = /^[0-9]+$/;
const RANGE = /^([0-9]+)-([0-9]+)$/;

function parsePort(spec: string, text: string, which: 'host' | 'container'): number {
  if (!DIGITS.test(text)) refuse(spec, `${which} port "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) refuse(spec, `${which} port ${text} is not between 1 and 65535`);
  return port;
}

/**
 * Parses one spec of one port: `[IP:][HOST_PORT:]CTR_PORT[/tcp|/udp]` into a request: hostIp
 * ANY_HOST when no IP is given (every address, both families), hostPort RANDOM_PORT when no host
 * port is. A range is refused here (parsePublishSpec takes them). Throws a PortSpecError with a
 * one-line message naming the spec and a hint showing the syntax.
 */
export function parsePublish(spec: string): PortMapping {
  const mappings = parsePublishSpec(spec);
  if (mappings.length !== 1) refuse(spec, 'a range of ports where one is expected');
  return mappings[0]!;
}

/**
 * Parses one `-p` spec, ranges included, into one request per container port, in order:
 * `8000-8002:80-82` is 8000→80, 8001→81, 8002→82; `80-82` publishes each on a picked host port.
 */
export function parsePublishSpec(spec: string): PortMapping[] {
  // Split like Docker: the last ':'-field is the container port, the one before the host port, and
  // everything before that the IP (so an IPv6 address, bracketed or not, lands there whole).
  const parts = spec.split(':');
  const containerField = parts[parts.length - 1] ?? '';
  const hostPortText = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : '';
  const ipText = parts.length >= 3 ? parts.slice(0, -2).join(':') : '';

  const { port: containerText, protocol } = splitProtocol(containerField, (reason) => refuse(spec, reason));
  if (containerText === '') refuse(spec, 'no container port given');

  let hostIp = ANY_HOST;
  if (ipText !== '') {
    // Docker strips brackets ("[::1]", also "[127.0.0.1]").
    const bare = ipText.startsWith('[') && ipText.endsWith(']') ? ipText.slice(1, -1) : ipText;
    const canonical = canonicalAddress(bare);
    if (canonical === null) refuse(spec, `"${bare}" is not a valid IP address`);
    hostIp = canonical;
  }

  const container = parsePorts(spec, containerText, 'container');
  if (hostPortText === '') return portsOf(container).map((containerPort) => ({ hostIp, hostPort: RANDOM_PORT, containerPort, protocol }));
  const host = parsePorts(spec, hostPortText, 'host');
  const count = container.last - container.first + 1;
  if (host.last - host.first + 1 !== count) {
    refuse(spec, count === 1 ? 'a range of host ports for one container port is not supported (give one host port)' : 'the host and container ranges are not the same length');
  }
  return portsOf(container).map((containerPort, i) => ({ hostIp, hostPort: host.first + i, containerPort, protocol }));
}

/** A port "80" or a range "80-90" (low to high, at most MAX_PUBLISH_RANGE ports). */
function parsePorts(spec: string, text: string, which: 'host' | 'container'): { first: number; last: number } {
  const match = RANGE.exec(text);
  if (!match) {
    const port = parsePort(spec, text, which);
    return { first: port, last: port };
  }
  const first = parsePort(spec, match[1]!, which);
  const last = parsePort(spec, match[2]!, which);
  if (last < first) refuse(spec, `${which} port range ${text} goes from high to low`);
  if (last - first >= MAX_PUBLISH_RANGE) refuse(spec, `a range of more than ${MAX_PUBLISH_RANGE} ports`);
  return { first, last };
}

function portsOf(range: { first: number; last: number }): number[] {
  return Array.from({ length: range.last - range.first + 1 }, (_, i) => range.first + i);
}

/** "80/udp" → port "80", udp; refuses protocols other than tcp and udp (lower-cased as Docker does). */
function splitProtocol(field: string, fail: (reason: string) => never): { port: string; protocol: 'tcp' | 'udp' } {
  const slash = field.indexOf('/');
  if (slash < 0) return { port: field, protocol: 'tcp' };
  const proto = field.slice(slash + 1).toLowerCase();
  // Docker also knows sctp; we have no way to forward it, so it is refused with the rest.
  if (proto !== 'tcp' && proto !== 'udp') fail(`protocol "${field.slice(slash + 1)}" is not supported (use tcp or udp)`);
  return { port: field.slice(0, slash), protocol: proto };
}

/**
 * The one way an address is written: a strict dotted quad for IPv4 (no leading zeros), the
 * compressed lower-case form for IPv6 (so "0:0::1" and "::1" are one address); null for others.
 */
export function canonicalAddress(text: string): string | null {
  if (parseAddress(text) !== null) return text;
  // The WHATWG URL parser checks an IPv6 address as strictly as node:net's isIP and writes its
  // compressed form; node:net itself (and the streams it loads) would cost every `ps` ~8 ms to
  // import. Only the address's own characters may reach it: nothing else can end the brackets.
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return null;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** An IPv4 (strict dotted quad) or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return canonicalAddress(text) !== null;
}

export function isIpv6(address: string): boolean {
  return address.includes(':');
}

/** The wildcard of an address's family: what "every address" means for it. */
function wildcardOf(address: string): string {
  return isIpv6(address) ? '::' : '0.0.0.0';
}

/**
 * The bindings a request stands for: one per address it publishes on. A request for every address
 * is published on 0.0.0.0 and, when the host has IPv6, on :: (as Docker does), with one host port.
 */
export function bindingsOf(request: PortMapping, hostPort: number, ipv6: boolean): PortMapping[] {
  const addresses = request.hostIp !== ANY_HOST ? [request.hostIp] : ipv6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
  return addresses.map((hostIp) => ({ hostIp, hostPort, containerPort: request.containerPort, protocol: request.protocol }));
}

/** Docker's `ps` style, unbracketed even for IPv6: "0.0.0.0:8080->80/tcp", ":::8080->80/tcp". */
export function formatPort(p: PortMapping): string {
  return `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/**
 * A container's ports as Docker's `ps` lists them: consecutive ports published on consecutive
 * host ports (same address and protocol) as one range, "0.0.0.0:8000-8002->80-82/tcp".
 */
export function formatPorts(ports: readonly PortMapping[]): string {
  // The bindings of one request come address by address (0.0.0.0, then ::): a run continues in
  // its own address and protocol, and the runs keep the order of their first port.
  type Run = { first: PortMapping; count: number; index: number };
  const runs: Run[] = [];
  const open = new Map<string, Run>();
  ports.forEach((p, index) => {
    const key = `${p.hostIp}/${p.protocol}`;
    const run = open.get(key);
    if (run && run.first.hostPort + run.count === p.hostPort && run.first.containerPort + run.count === p.containerPort) {
      run.count++;
      return;
    }
    const started = { first: p, count: 1, index };
    runs.push(started);
    open.set(key, started);
  });
  return runs
    .map(({ first, count }) => {
      if (count === 1) return formatPort(first);
      const range = (start: number) => `${start}-${start + count - 1}`;
      return `${first.hostIp}:${range(first.hostPort)}->${range(first.containerPort)}/${first.protocol}`;
    })
    .join(', ');
}

/** An address and port as `port` and error messages write them: "0.0.0.0:8080", "[::]:8080". */
export function hostAndPort(hostIp: string, port: number): string {
  return isIpv6(hostIp) ? `[${hostIp}]:${port}` : `${hostIp}:${port}`;
}

/**
 * Two bindings collide when protocol and host port are equal and their host IPs overlap: the
 * second bind() would fail with EADDRINUSE. A wildcard overlaps every address of its family (IPv6
 * listeners are IPv6-only: :: does not take 0.0.0.0's port), a request for every host address
 * overlaps everything.
 */
export function portsCollide(a: PortMapping, b: PortMapping): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  if (a.hostIp === ANY_HOST || b.hostIp === ANY_HOST) return true;
  if (isIpv6(a.hostIp) !== isIpv6(b.hostIp)) return false;
  const any = wildcardOf(a.hostIp);
  if (a.hostIp === any || b.hostIp === any) return true;
  return canonicalAddress(a.hostIp) === canonicalAddress(b.hostIp);
}

const EXPOSE_HINT = 'use PORT[/tcp|/udp] or a range FIRST-LAST[/tcp|/udp], e.g. --expose 80 --expose 5353/udp';
/** More than this many ports in one --expose is a typo rather than a wish (and as many listeners). */
const MAX_EXPOSE_RANGE = 1000;

/**
 * One `--expose` value (or an image's ExposedPorts key) as Docker keys its ExposedPorts: "80/tcp";
 * a range "8000-8002" gives each port. Refuses what cannot be published, naming it.
 */
export function parseExpose(spec: string, what = '--expose'): string[] {
  const fail = (reason: string): never => {
    throw new PortSpecError(`invalid ${what} "${spec}": ${reason}`, EXPOSE_HINT);
  };
  const { port, protocol } = splitProtocol(spec, fail);
  const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(port);
  if (!match) fail(`"${port}" is not a port number`);
  const first = Number(match![1]);
  const last = match![2] === undefined ? first : Number(match![2]);
  if (first < 1 || last > 65535 || last < first) fail('ports are between 1 and 65535, a range from low to high');
  if (last - first >= MAX_EXPOSE_RANGE) fail(`a range of more than ${MAX_EXPOSE_RANGE} ports`);
  const keys: string[] = [];
  for (let p = first; p <= last; p++) keys.push(`${p}/${protocol}`);
  return keys;
}

/** The plugin whose state keeps the published ports (the built-in network plugin's tap name). */
export const NETWORK_PLUGIN = 'mydocker:network';

/**
 * What a container publishes, as the network plugin saved it when its network was set up (the
 * ports picked for `-p 80` and `-P` included): every binding, in order. A record of an older
 * mydocker has none saved: its `-p` specs (all with a host port then) are read instead.
 */
export function savedPorts(options: Readonly<Record<string, JsonValue>>, pluginState: Readonly<Record<string, PluginState>>): PortMapping[] {
  const saved = pluginState[NETWORK_PLUGIN]?.ports;
  if (Array.isArray(saved)) return saved.filter(isBinding);
  if (!Array.isArray(options.publish)) return [];
  return options.publish.flatMap((spec) => {
    try {
      return parsePublishSpec(String(spec)).flatMap((request) => (request.hostPort === RANDOM_PORT ? [] : bindingsOf(request, request.hostPort, false)));
    } catch {
      return [];
    }
  });
}

function isBinding(value: JsonValue): value is PortMapping & { [key: string]: JsonValue } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { hostIp, hostPort, containerPort, protocol } = value;
  return typeof hostIp === 'string' && typeof hostPort === 'number' && typeof containerPort === 'number' && (protocol === 'tcp' || protocol === 'udp');
}
