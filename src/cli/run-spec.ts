// The container `run` and `create` make, from their shared flags (argv.ts RUN_FLAGS) as cac parsed
// them: the runtime's RunSpec, less what only starting decides (detaching, stdio).
import type { JsonValue } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import type { HealthFlags } from '../container/health.js';
import type { RunSpec } from '../runtime/run.js';
import { lastValue, toArray } from './argv.js';
import { parseMountFlag, type MountFlag } from './mount-flag.js';

export function runSpec(image: string, command: string[], options: Record<string, unknown>): RunSpec {
  return {
    image,
    command,
    env: toArray(options.env),
    envFiles: toArray(options.envFile),
    workdir: lastValue(options.workdir),
    hostname: lastValue(options.hostname),
    name: lastValue(options.name),
    tty: options.tty === true,
    interactive: options.interactive === true,
    autoRemove: options.rm === true,
    init: options.init === true,
    storageDriver: lastValue(options.storageDriver),
    entrypoint: lastValue(options.entrypoint),
    labels: parseLabels(toArray(options.label)),
    stopSignal: lastValue(options.stopSignal),
    shmSize: lastValue(options.shmSize),
    ulimits: toArray(options.ulimit),
    restart: lastValue(options.restart),
    stopTimeout: wholeSeconds(lastValue(options.stopTimeout)),
    health: healthFlags(options),
    options: pluginOptions(options),
    security: {
      privileged: options.privileged === true,
      capAdd: toArray(options.capAdd),
      capDrop: toArray(options.capDrop),
      securityOpt: toArray(options.securityOpt),
      readOnly: options.readOnly === true,
      tmpfs: [...toArray(options.tmpfs), ...mounts(options).flatMap((m) => ('tmpfs' in m ? [m.tmpfs] : []))],
      user: lastValue(options.user),
      devices: toArray(options.device),
    },
  };
}

/** `--mount`s, as the `-v` and `--tmpfs` specs they stand for. */
function mounts(options: Record<string, unknown>): MountFlag[] {
  return toArray(options.mount).map((spec) => parseMountFlag(spec));
}

/** `--health-*` as given (checked by the runtime); `--no-healthcheck` is cac's `healthcheck: false`. */
function healthFlags(options: Record<string, unknown>): HealthFlags {
  const text = (value: unknown): string | undefined => lastValue(value);
  const retries = text(options.healthRetries);
  if (retries !== undefined && !/^-?\d+$/.test(retries)) throw new MydockerError(`invalid --health-retries "${retries}"`, { hint: 'a whole number' });
  const flags: HealthFlags = {
    cmd: text(options.healthCmd),
    interval: text(options.healthInterval),
    timeout: text(options.healthTimeout),
    startPeriod: text(options.healthStartPeriod),
    startInterval: text(options.healthStartInterval),
    retries: retries === undefined ? undefined : Number(retries),
    none: options.healthcheck === false,
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as HealthFlags;
}

function wholeSeconds(given: string | undefined): number | undefined {
  if (given === undefined) return undefined;
  if (!/^\d+$/.test(given)) throw new MydockerError(`invalid --stop-timeout "${given}"`, { hint: 'a whole number of seconds' });
  return Number(given);
}

/** `--label K=V` (or `--label K`: an empty value, as Docker's), the last one of a key winning. */
function parseLabels(given: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const label of given) {
    const eq = label.indexOf('=');
    const key = eq < 0 ? label : label.slice(0, eq);
    if (key.trim() === '') throw new MydockerError(`invalid label "${label}"`, { hint: 'use --label KEY=VALUE' });
    labels[key] = eq < 0 ? '' : label.slice(eq + 1);
  }
  return labels;
}

/** The flags that belong to plugins, as given: each plugin validates its own (checkOptions). */
function pluginOptions(options: Record<string, unknown>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const volumes = [...toArray(options.volume), ...mounts(options).flatMap((m) => ('volume' in m ? [m.volume] : []))];
  if (volumes.length > 0) out.volumes = volumes;
  const volumeDriver = lastValue(options.volumeDriver);
  if (volumeDriver !== undefined) out.volumeDriver = volumeDriver;
  const publish = toArray(options.publish);
  if (publish.length > 0) out.publish = publish;
  if (options.publishAll === true) out.publishAll = true;
  const expose = toArray(options.expose);
  if (expose.length > 0) out.expose = expose;
  const network = lastValue(options.network);
  if (network !== undefined) out.network = network;
  const ip = lastValue(options.ip);
  if (ip !== undefined) out.ip = ip;
  for (const key of ['addHost', 'dns', 'dnsSearch', 'dnsOption'] as const) {
    const values = toArray(options[key]);
    if (values.length > 0) out[key] = values;
  }
  return { ...out, ...limitOptions(options) };
}

const LIMIT_FLAGS = ['memory', 'memorySwap', 'cpus', 'cpuShares', 'cpusetCpus', 'cpusetMems', 'pidsLimit'] as const;

/** The resource limits given (-m, --cpus, ...), as the cgroups plugin's options: run's, create's and update's. */
export function limitOptions(options: Record<string, unknown>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of LIMIT_FLAGS) {
    const value = lastValue(options[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
