// `inspect`: everything known of a container as JSON, in Docker's shape where Docker has one. The
// core writes what its record says; plugins add what they know through the sections they
// registered (hooks/inspect.ts), merged in here: e.g. State.OOMKilled, NetworkSettings.
import { DEFAULT_SHM_BYTES } from '../process/dev.js';
import type { JsonValue } from '../../hooks/index.js';
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus, isPaused, isRestarting } from '../container/status.js';
import { endOf } from '../container/exit-file.js';
import { securityOf } from '../security/settings.js';
import { readHealth } from '../container/health-file.js';
import { initialHealth, type HealthState } from '../container/health.js';
import { parsePublishSpec } from '../../hooks/ports.js';
import { containerExposedPorts } from '../container/exposed-ports.js';

/** What the plugins' inspect sections returned, in order: [top-level key, fields merged into it]. */
export type InspectSections = ReadonlyArray<readonly [string, Record<string, JsonValue>]>;

export function inspectContainer(
  record: ContainerRecord,
  paths: { stateDir: string; storageDir: string; layers: string[] },
  sections: InspectSections = [],
): Record<string, unknown> {
  const status = deriveStatus(record);
  const paused = isPaused(record);
  const end = status === 'running' ? { exitCode: null, finishedAt: null } : endOf(record);
  const out: Record<string, unknown> = {
    Id: record.id,
    Name: record.name,
    Created: record.created,
    Path: record.command[0],
    Args: record.command.slice(1),
    Image: record.image.id,
    ImageRef: record.image.ref,
    Config: {
      Hostname: record.hostname,
      Env: record.env,
      Cmd: record.command,
      WorkingDir: record.workdir,
      Tty: record.tty,
      OpenStdin: record.interactive,
      AutoRemove: record.autoRemove,
      Options: record.options,
      User: securityOf(record).user,
      Labels: record.labels ?? {},
      StopSignal: record.stopSignal ?? 'SIGTERM',
      ...(record.stopTimeout !== undefined ? { StopTimeout: record.stopTimeout } : {}),
      ...(record.healthcheck ? { Healthcheck: record.healthcheck } : {}),
      // As Docker's: present only when the container exposes a port.
      ...exposedPortsField(record),
    },
    HostConfig: hostConfig(record),
    State: {
      Status: isRestarting(record) ? 'restarting' : paused ? 'paused' : status,
      // As Docker's: a paused container is running too.
      Running: status === 'running',
      Paused: paused,
      Restarting: isRestarting(record),
      Pid: status === 'running' ? record.state.pid : 0,
      ExitCode: end.exitCode,
      // Unless a plugin knows better (the cgroups plugin: what it saw when it removed the groups).
      OOMKilled: false,
      StartedAt: record.state.startedAt,
      FinishedAt: end.finishedAt,
      // As Docker's: why the state is not all known ("" when it is), e.g. an unreadable exit file.
      Error: 'error' in end && end.error !== undefined ? end.error : '',
      // As Docker's: present only for a container with a health check.
      ...(record.healthcheck ? { Health: healthState(paths.stateDir) } : {}),
    },
    GraphDriver: {
      Name: record.storageDriver,
      Data: { Dir: paths.storageDir, MergedDir: record.rootfs, LowerDir: paths.layers.join(':') },
    },
    // Filled by the plugin that connects containers (the network plugin's section).
    NetworkSettings: {},
    RestartCount: record.restart?.count ?? 0,
    LogPath: record.detached?.log ?? null,
    StateDir: paths.stateDir,
    Plugins: record.plugins,
    PluginState: record.pluginState,
  };
  // Merged into the key's object in place, so the core's key order is kept.
  for (const [section, fields] of sections) {
    const current = out[section];
    out[section] = isObject(current) ? { ...current, ...fields } : { ...fields };
  }
  return out;
}

function exposedPortsField(record: ContainerRecord): { ExposedPorts?: Record<string, Record<string, never>> } {
  const keys = containerExposedPorts(record.imageExposed, record.options);
  return keys.length > 0 ? { ExposedPorts: Object.fromEntries(keys.map((key) => [key, {}])) } : {};
}

/** The last results; before the first check (or if its file cannot be read), `starting` with none. */
function healthState(stateDir: string): HealthState {
  try {
    return readHealth(stateDir) ?? initialHealth();
  } catch {
    return initialHealth();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The confinement as asked for, in Docker's HostConfig fields (null where Docker shows null). */
function hostConfig(record: ContainerRecord): Record<string, unknown> {
  const security = securityOf(record);
  const tmpfs = Object.fromEntries(security.tmpfs.map((t) => {
    const colon = t.indexOf(':');
    return colon < 0 ? [t, ''] : [t.slice(0, colon), t.slice(colon + 1)];
  }));
  return {
    Privileged: security.privileged,
    CapAdd: security.capAdd.length > 0 ? security.capAdd : null,
    CapDrop: security.capDrop.length > 0 ? security.capDrop : null,
    SecurityOpt: security.securityOpt.length > 0 ? security.securityOpt : null,
    ReadonlyRootfs: security.readOnlyRootfs,
    Tmpfs: security.tmpfs.length > 0 ? tmpfs : null,
    Devices: security.devices.map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: d.permissions })),
    ShmSize: record.shmSize ?? DEFAULT_SHM_BYTES,
    // As Docker's: null when none was given.
    Ulimits: record.ulimits && record.ulimits.length > 0 ? record.ulimits : null,
    // As Docker's: true with --init, null without.
    Init: record.init === true ? true : null,
    RestartPolicy: { Name: record.restart?.policy.name ?? 'no', MaximumRetryCount: record.restart?.policy.maxRetries ?? 0 },
    PortBindings: portBindings(record.options.publish),
    PublishAllPorts: record.options.publishAll === true,
  };
}

/**
 * The `-p` specs (with the ports -P added) as Docker's HostConfig.PortBindings: by container port,
 * the host address and port asked for ("" for every address, or for a port to be picked); where
 * they were published in the end is NetworkSettings.Ports.
 */
function portBindings(publish: JsonValue | undefined): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const spec of Array.isArray(publish) ? publish : []) {
    let requests;
    try {
      requests = parsePublishSpec(String(spec));
    } catch {
      continue; // an old record's spec this version refuses: shown nowhere rather than wrongly
    }
    for (const r of requests) (out[`${r.containerPort}/${r.protocol}`] ??= []).push({ HostIp: r.hostIp, HostPort: r.hostPort === 0 ? '' : String(r.hostPort) });
  }
  return out;
}
