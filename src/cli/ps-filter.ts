// `ps --filter KEY=VALUE` as Docker's: values of one key are alternatives, different keys must all
// match. id and name are regular expressions searched in the ID and in "/NAME" (Docker's stored
// name, so `name=^/web$` is exact); status, exited, label, ancestor and health (starting, healthy,
// unhealthy, or none: no health check) compare exactly; publish (PORT[-PORT][/PROTO]) lists the
// containers whose -p specs publish one of those container ports, expose (the same form) those that
// expose one (Config.ExposedPorts: the image's EXPOSE, --expose, and what -p publishes).
import type { ContainerSummary } from '../runtime/summaries.js';
import { MydockerError } from '../errors.js';
import { normalizeRef } from '../image/store.js';
import { parseExpose, parsePublishSpec } from '../../hooks/ports.js';

const KEYS = ['id', 'name', 'status', 'exited', 'label', 'ancestor', 'health', 'publish', 'expose'] as const;
type Key = (typeof KEYS)[number];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

export type PsFilters = Map<Key, string[]>;

export function parsePsFilters(given: readonly string[]): PsFilters {
  const filters: PsFilters = new Map();
  for (const filter of given) {
    const eq = filter.indexOf('=');
    if (eq <= 0) throw new MydockerError(`bad format of filter (expected name=value): ${filter}`, { exitCode: 1 });
    const key = filter.slice(0, eq).toLowerCase();
    const value = filter.slice(eq + 1);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new MydockerError(`invalid filter '${key}'`, { exitCode: 1, hint: `filters are ${KEYS.join(', ')}` });
    }
    if (key === 'status' && !STATUSES.includes(value)) {
      throw new MydockerError(`invalid filter 'status=${value}'`, { exitCode: 1, hint: `a status is one of ${STATUSES.join(', ')}` });
    }
    if (key === 'health' && !HEALTH.includes(value)) {
      throw new MydockerError(`invalid filter 'health=${value}'`, { exitCode: 1, hint: `a health status is one of ${HEALTH.join(', ')}` });
    }
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new MydockerError(`invalid filter 'exited=${value}'`, { exitCode: 1, hint: 'an exit code is an integer' });
    if (key === 'id' || key === 'name') compile(key, value);
    if (key === 'publish' || key === 'expose') portKeys(key, value);
    filters.set(key as Key, [...(filters.get(key as Key) ?? []), value]);
  }
  return filters;
}

/** A status filter lists stopped containers too, as Docker's does (no need for -a). */
export function filtersImplyAll(filters: PsFilters): boolean {
  return filters.has('status');
}

export function matchesPsFilters(c: ContainerSummary, filters: PsFilters): boolean {
  for (const [key, values] of filters) {
    if (!values.some((value) => matchOne(c, key, value))) return false;
  }
  return true;
}

function matchOne(c: ContainerSummary, key: Key, value: string): boolean {
  switch (key) {
    case 'id':
      return compile(key, value).test(c.id);
    case 'name':
      return compile(key, value).test(`/${c.name}`);
    case 'status':
      return c.status === value;
    case 'exited':
      return c.status === 'exited' && c.exitCode === Number(value);
    case 'label': {
      const eq = value.indexOf('=');
      if (eq < 0) return Object.hasOwn(c.labels, value);
      return c.labels[value.slice(0, eq)] === value.slice(eq + 1);
    }
    case 'health':
      return (c.health ?? 'none') === value;
    case 'ancestor':
      return c.image !== '' && (sameRef(c.image, value) || imageIdMatches(c.imageId, value));
    case 'publish': {
      const wanted = portKeys(key, value);
      return publishedKeys(c).some((k) => wanted.includes(k));
    }
    case 'expose': {
      const wanted = portKeys(key, value);
      const exposed = c.expose.flatMap((spec) => {
        try {
          return parseExpose(spec);
        } catch {
          return [];
        }
      });
      return [...exposed, ...publishedKeys(c)].some((k) => wanted.includes(k));
    }
  }
}

/** The container ports a container's -p specs publish, as "80/tcp" keys. */
function publishedKeys(c: ContainerSummary): string[] {
  return c.publish.flatMap((spec) => {
    try {
      return parsePublishSpec(spec).map((r) => `${r.containerPort}/${r.protocol}`);
    } catch {
      return [];
    }
  });
}

/** A publish or expose filter's ports as "80/tcp" keys; a bad one is the filter's error, exit 1 as Docker's. */
function portKeys(key: 'publish' | 'expose', value: string): string[] {
  try {
    return parseExpose(value, `filter ${key}`);
  } catch (error) {
    throw new MydockerError(`invalid filter '${key}=${value}'`, { exitCode: 1, hint: (error as Error).message });
  }
}

/** busybox, busybox:latest and docker.io/library/busybox name one image; an ID is no name. */
function sameRef(a: string, b: string): boolean {
  try {
    return normalizeRef(a) === normalizeRef(b);
  } catch {
    return false;
  }
}

function imageIdMatches(id: string, value: string): boolean {
  const hex = value.replace(/^sha256:/, '');
  return /^[0-9a-f]{4,64}$/.test(hex) && id.replace(/^sha256:/, '').startsWith(hex);
}

function compile(key: string, value: string): RegExp {
  try {
    return new RegExp(value);
  } catch {
    throw new MydockerError(`invalid filter '${key}=${value}': not a regular expression`, { exitCode: 1 });
  }
}
