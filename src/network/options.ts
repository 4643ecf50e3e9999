// The network options of a container, as `run` records them: `--net` (options.network), `-p`
// (options.publish, a list of specs) and `--ip` (options.ip). Shared by the plugin's checks, its
// setup and teardown, and the CLI's `ps` and `network rm` (which containers use a network).
import type { JsonValue, PortMapping } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import { parsePublish } from './ports.js';

/** The default network's name; reserved, as Docker's "bridge" is. */
export const DEFAULT_NETWORK = 'bridge';

/** Where the container's network comes from. */
export type NetworkMode = { kind: 'default' } | { kind: 'host' } | { kind: 'none' } | { kind: 'named'; ref: string };

export function networkMode(options: Readonly<Record<string, JsonValue>>): NetworkMode {
  const value = options.network;
  if (value === undefined || value === null || value === DEFAULT_NETWORK || value === 'default') return { kind: 'default' };
  if (typeof value !== 'string' || value === '') throw new MydockerError(`invalid network "${String(value)}"`);
  if (value === 'host' || value === 'none') return { kind: value };
  if (value.startsWith('container:')) {
    throw new MydockerError(`--net ${value} is not supported`, { hint: 'use a user network both containers join: mydocker network create NAME' });
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
  if (!Array.isArray(value)) throw new MydockerError('invalid published ports: expected a list of -p specs');
  return value.map((spec) => parsePublish(String(spec)));
}

export function requestedAddress(options: Readonly<Record<string, JsonValue>>): string | null {
  const value = options.ip;
  return typeof value === 'string' && value !== '' ? value : null;
}
