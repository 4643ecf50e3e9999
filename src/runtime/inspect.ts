// `inspect`: everything known of a container as JSON, in Docker's shape where Docker has one.
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus } from '../container/status.js';

export function inspectContainer(record: ContainerRecord, paths: { stateDir: string; storageDir: string }): Record<string, unknown> {
  const status = deriveStatus(record);
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
    },
    State: {
      Status: status,
      Running: status === 'running',
      Pid: status === 'running' ? record.state.pid : 0,
      ExitCode: record.state.exitCode,
      StartedAt: record.state.startedAt,
      FinishedAt: record.state.finishedAt,
    },
    GraphDriver: {
      Name: record.storageDriver,
      Data: { Dir: paths.storageDir, MergedDir: record.rootfs },
    },
    StateDir: paths.stateDir,
    Plugins: record.plugins,
    PluginState: record.pluginState,
  };
}
