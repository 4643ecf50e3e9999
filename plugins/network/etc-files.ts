// The text of a container's /etc/hosts, /etc/hostname and /etc/resolv.conf. Pure: the caller reads
// the host's files and writes the results; keeping the decisions here makes them testable without
// a network namespace.

import { contains, parseAddress, parseSubnet } from '../../hooks/ipv4.js';
import { isIPv6Address } from '../../hooks/ipv6.js';

export interface HostsEntry {
  address: string;
  names: string[];
}

// What Docker writes at the top of every container's /etc/hosts, in its order, so that programs
// which look up "localhost" or the ip6-* names behave as they do under Docker.
const LOCALHOST_ENTRIES: readonly HostsEntry[] = [
  { address: '127.0.0.1', names: ['localhost'] },
  { address: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
  { address: 'fe00::0', names: ['ip6-localnet'] },
  { address: 'ff00::0', names: ['ip6-mcastprefix'] },
  { address: 'ff02::1', names: ['ip6-allnodes'] },
  { address: 'ff02::2', names: ['ip6-allrouters'] },
];

// One line as Docker formats it: the address, a tab, the names separated by spaces. Repeated names
// are written once (a container whose name equals its hostname is a common case).
function hostsLine(entry: HostsEntry): string | null {
  const names = [...new Set(entry.names.filter((name) => name !== ''))];
  if (names.length === 0) return null; // an address with no name is not a valid hosts line
  return `${entry.address}\t${names.join(' ')}\n`;
}

/**
 * Docker's layout: the localhost lines, then the user's `--add-host` entries (`added`), then the
 * container's own address and hostname (when it has an address), then `extra` entries (other
 * containers on the same network: address, then name and hostname), one line each, ending in a
 * newline.
 */
export function hostsFile(own: { hostname: string; address: string | null }, extra: readonly HostsEntry[], added: readonly HostsEntry[] = []): string {
  const entries: HostsEntry[] = [...LOCALHOST_ENTRIES, ...added];
  if (own.address !== null) entries.push({ address: own.address, names: [own.hostname] });
  entries.push(...extra);
  return hostsLines(entries);
}

/** Entries as hosts lines (for --add-host's lines appended to a copy of the host's file). */
export function hostsLines(entries: readonly HostsEntry[]): string {
  return entries.map(hostsLine).filter((line) => line !== null).join('');
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** What `--dns`, `--dns-search` and `--dns-option` ask for (each empty when not given). */
export interface DnsSettings {
  servers: readonly string[];
  search: readonly string[];
  options: readonly string[];
}

const NO_DNS_SETTINGS: DnsSettings = { servers: [], search: [], options: [] };

// Docker's fallback when the host offers no nameserver a container can reach.
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];
const IPV4_LOOPBACK = parseSubnet('127.0.0.0/8')!;

/** Whether a nameserver address is loopback: 127.0.0.0/8 or ::1 (in any spelling, also ::ffff:127.x.y.z). */
function isLoopback(address: string): boolean {
  const v4 = parseAddress(address);
  if (v4 !== null) return contains(IPV4_LOOPBACK, v4);
  if (!isIPv6Address(address)) return false;
  // The URL parser canonicalises IPv6 (compresses zeros, lower-cases, turns an embedded dotted quad
  // into hex), which reduces the many spellings of ::1 to one. It knows no zone (fe80::1%eth0).
  const host = new URL(`http://[${address.split('%')[0]}]/`).hostname;
  return host === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

interface ResolvConf {
  nameservers: string[];
  /** The search, domain and options lines, normalised, in file order. */
  kept: string[];
}

// resolv.conf(5): one keyword per line, '#' or ';' in the first column starts a comment. Only
// nameserver, search, domain and options matter inside a container; the rest (sortlist, ...)
// describes the host's networks and is dropped. `domain` is kept alongside `search` because the
// resolver treats them as alternatives: dropping it would change how short names resolve.
function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], kept: [] };
  for (const line of text.split('\n')) {
    if (/^\s*[#;]/.test(line)) continue;
    const [keyword, ...args] = line.trim().split(/\s+/);
    if (keyword === 'nameserver') {
      // An address the resolver could not use either is dropped rather than copied.
      const address = args[0];
      if (address !== undefined && (parseAddress(address) !== null || isIPv6Address(address))) conf.nameservers.push(address);
    } else if ((keyword === 'search' || keyword === 'domain' || keyword === 'options') && args.length > 0) {
      conf.kept.push(`${keyword} ${args.join(' ')}`);
    }
  }
  return conf;
}

/**
 * The resolv.conf a container gets, from the host's: nameservers on loopback (127.0.0.0/8, ::1 —
 * e.g. systemd-resolved's 127.0.0.53) cannot be reached from the container's network namespace and
 * are dropped; `search`, `domain` and `options` lines are kept; when no nameserver remains, Docker's
 * defaults (8.8.8.8, 8.8.4.4) are used.
 *
 * `hostResolvConf` is the text of /etc/resolv.conf; `fallback` is the text of
 * /run/systemd/resolve/resolv.conf or null. When the host's nameservers are all loopback and the
 * fallback has a real one, the fallback is used instead, as a whole (nameservers, search and
 * options): that is what Docker does on systemd-resolved hosts, and the stub file's options (e.g.
 * `trust-ad`) are meant for the local stub, not for the upstream servers.
 */
export function containerResolvConf(hostResolvConf: string, fallback: string | null, given: DnsSettings = NO_DNS_SETTINGS): string {
  let source = parseResolvConf(hostResolvConf);
  const onlyLoopback = source.nameservers.length > 0 && source.nameservers.every(isLoopback);
  if (onlyLoopback && fallback !== null) {
    const upstream = parseResolvConf(fallback);
    if (upstream.nameservers.some((address) => !isLoopback(address))) source = upstream;
  }
  const reachable = source.nameservers.filter((address) => !isLoopback(address));
  // --dns replaces the nameservers as given (a loopback one too: the user's choice, as Docker's).
  const nameservers = given.servers.length > 0 ? given.servers : reachable.length > 0 ? reachable : DEFAULT_NAMESERVERS;
  // --dns-search replaces search and domain ("." alone: none at all); --dns-option the options.
  let kept = source.kept;
  if (given.search.length > 0) {
    kept = kept.filter((line) => !/^(search|domain) /.test(line));
    const domains = given.search.filter((d) => d !== '.');
    if (domains.length > 0) kept = [...kept, `search ${domains.join(' ')}`];
  }
  if (given.options.length > 0) kept = [...kept.filter((line) => !line.startsWith('options ')), `options ${given.options.join(' ')}`];
  const lines = [...nameservers.map((address) => `nameserver ${address}`), ...kept];
  return lines.map((line) => `${line}\n`).join('');
}
