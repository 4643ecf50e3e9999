// The network options of a container, as `run` records them: `--net` (options.network), `-p`
// (options.publish, a list of specs) and `--ip` (options.ip). Shared by the plugin's checks, its
// setup and teardown, and the runtime's `network rm` (which containers use a network). A helper of
// hooks/ because both sides read these options: the network plugin and the core.
import type { JsonValue } from './container.js';
import { PluginFailure } from './errors.js';
import type { PortMapping } from './network-driver.js';
import { isIpAddress, parseExpose, parsePublishSpec } from './ports.js';

/**
 * Network options that cannot work, with a hint saying what to do instead. Thrown from a plugin's
 * hook it becomes the plugin's error; either way the CLI prints it as one line, exit 125.
 */
export class NetworkOptionError extends PluginFailure {
  constructor(message: string, options: { hint?: string } = {}) {
    super(message, options);
    this.name = 'NetworkOptionError';
  }
}

/** The default network's name; reserved, as Docker's "bridge" is. */
export const DEFAULT_NETWORK = 'bridge';

/** Where the container's network comes from. */
export type NetworkMode = { kind: 'default' } | { kind: 'host' } | { kind: 'none' } | { kind: 'named'; ref: string };

export function networkMode(options: Readonly<Record<string, JsonValue>>): NetworkMode {
  const value = options.network;
  if (value === undefined || value === null || value === DEFAULT_NETWORK || value === 'default') return { kind: 'default' };
  if (typeof value !== 'string' || value === '') throw new NetworkOptionError(`invalid network "${String(value)}"`);
  if (value === 'host' || value === 'none') return { kind: value };
  if (value.startsWith('container:')) {
    throw new NetworkOptionError(`--net ${value} is not supported`, { hint: 'use a user network both containers join: mydocker network create NAME' });
  }
  return { kind: 'named', ref: value };
}

/**
 * The network (name or ID) a container's options attach it to: "bridge" without --net, null for
 * host and none, and for options that are not valid (an old record's): they attach it to nothing.
 */
export function networkRef(options: Readonly<Record<string, JsonValue>>): string | null {
  let mode: NetworkMode;
  try {
    mode = networkMode(options);
  } catch {
    return null;
  }
  if (mode.kind === 'default') return DEFAULT_NETWORK;
  return mode.kind === 'named' ? mode.ref : null;
}

export function publishedPorts(options: Readonly<Record<string, JsonValue>>): PortMapping[] {
  const value = options.publish;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new NetworkOptionError('invalid published ports: expected a list of -p specs');
  return value.flatMap((spec) => parsePublishSpec(String(spec)));
}

/** `--expose` (options.expose, a list): the ports as Docker keys them ("80/tcp"), ranges expanded. */
export function exposedPorts(options: Readonly<Record<string, JsonValue>>): string[] {
  return stringList(options, 'expose').flatMap((spec) => parseExpose(spec));
}

/** `-P/--publish-all` (options.publishAll). */
export function publishesAll(options: Readonly<Record<string, JsonValue>>): boolean {
  return options.publishAll === true;
}

export function requestedAddress(options: Readonly<Record<string, JsonValue>>): string | null {
  const value = options.ip;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** One `--add-host NAME:ADDRESS` entry. */
export interface AddedHost {
  address: string;
  names: string[];
}

/**
 * `--add-host NAME:ADDRESS` (options.addHost, a list), as Docker splits it: at the first ':' (so
 * an IPv6 address needs no brackets). Docker's special `host-gateway` is refused by name.
 */
export function addedHosts(options: Readonly<Record<string, JsonValue>>): AddedHost[] {
  return stringList(options, 'addHost').map((spec) => {
    const colon = spec.indexOf(':');
    const name = colon < 0 ? '' : spec.slice(0, colon);
    const address = colon < 0 ? '' : spec.slice(colon + 1).replace(/^\[(.*)\]$/, '$1');
    if (name === '' || /\s/.test(name)) throw new NetworkOptionError(`invalid --add-host "${spec}"`, { hint: 'use NAME:ADDRESS, e.g. --add-host db:10.0.0.5' });
    if (address === 'host-gateway') throw new NetworkOptionError(`--add-host ${spec}: host-gateway is not supported`, { hint: "give the host's address on the container's network" });
    if (!isIpAddress(address)) throw new NetworkOptionError(`invalid --add-host "${spec}": "${address}" is not an IP address`, { hint: 'use NAME:ADDRESS, e.g. --add-host db:10.0.0.5' });
    return { address, names: [name] };
  });
}

/** `--dns`, `--dns-search`, `--dns-option` (options.dns, dnsSearch, dnsOption: lists). */
export function dnsSettings(options: Readonly<Record<string, JsonValue>>): { servers: string[]; search: string[]; options: string[] } {
  const servers = stringList(options, 'dns');
  for (const server of servers) {
    if (!isIpAddress(server)) throw new NetworkOptionError(`invalid --dns "${server}": not an IP address`);
  }
  const search = stringList(options, 'dnsSearch');
  for (const domain of search) {
    if (domain === '' || /\s/.test(domain) || domain.length > 253) throw new NetworkOptionError(`invalid --dns-search "${domain}"`, { hint: 'a domain name, or "." for none' });
  }
  const opts = stringList(options, 'dnsOption');
  for (const opt of opts) if (opt === '' || /\s/.test(opt)) throw new NetworkOptionError(`invalid --dns-option "${opt}"`, { hint: 'e.g. ndots:2' });
  return { servers, search, options: opts };
}

function stringList(options: Readonly<Record<string, JsonValue>>, key: string): string[] {
  const value = options[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new NetworkOptionError(`invalid option ${key}: expected a list`);
  return value.map(String);
}
