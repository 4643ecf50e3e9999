// `inspect`: everything known of a container as JSON, in Docker's shape where Docker has one.
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus } from '../container/status.js';
import { endOf } from '../container/exit-file.js';
import { securityOf } from '../security/settings.js';

export function inspectContainer(record: ContainerRecord, paths: { stateDir: string; storageDir: string; layers: string[] }): Record<string, unknown> {
  const status = deriveStatus(record);
  const end = status === 'running' ? { exitCode: null, finishedAt: null } : endOf(record);
  return {
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
    },
    HostConfig: hostConfig(record),
    State: {
      Status: status,
      Running: status === 'running',
      Pid: status === 'running' ? record.state.pid : 0,
      ExitCode: end.exitCode,
      // What the cgroups plugin saw when it released the container's groups.
      OOMKilled: record.pluginState['mydocker:cgroups']?.oomKilled === true,
      StartedAt: record.state.startedAt,
      FinishedAt: end.finishedAt,
    },
    GraphDriver: {
      Name: record.storageDriver,
      Data: { Dir: paths.storageDir, MergedDir: record.rootfs, LowerDir: paths.layers.join(':') },
    },
    NetworkSettings: networkSettings(record, status === 'running'),
    LogPath: record.detached?.log ?? null,
    StateDir: paths.stateDir,
    Plugins: record.plugins,
    PluginState: record.pluginState,
  };
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
  };
}

/** What the network plugin saved while the container runs: its network, address and ports. */
function networkSettings(record: ContainerRecord, running: boolean): Record<string, unknown> {
  const saved = record.pluginState['mydocker:network'] ?? {};
  const mode = typeof record.options.network === 'string' ? record.options.network : 'bridge';
  const address = running && typeof saved.address === 'string' ? saved.address : '';
  return {
    NetworkMode: mode,
    IPAddress: address,
    NetworkID: running && typeof saved.network === 'string' ? saved.network : '',
    Ports: running && Array.isArray(record.options.publish) ? record.options.publish : [],
  };
}
