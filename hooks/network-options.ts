// The network options of a container, as `run` records them: `--net` (options.network), `-p`
// (options.publish, a list of specs) and `--ip` (options.ip). Shared by the plugin's checks, its
// setup and teardown, and the runtime's `network rm` (which containers use a network). A helper of
// hooks/ because both sides read these options: the network plugin and the core.
import type { JsonValue } from './container.js';
import { PluginFailure } from './errors.js';
import type { PortMapping } from './network-driver.js';
import { parsePublish } from './ports.js';

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
  return value.map((spec) => parsePublish(String(spec)));
}

export function requestedAddress(options: Readonly<Record<string, JsonValue>>): string | null {
  const value = options.ip;
  return typeof value === 'string' && value !== '' ? value : null;
}
