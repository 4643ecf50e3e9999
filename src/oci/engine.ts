// mydocker's plugin host under the OCI commands: the same lifecycle hooks as `run`, so that the
// cgroups plugin puts an OCI container in its config's cgroupsPath with its resources, and a user's
// plugin listed in mydocker's state root config (MYDOCKER_ROOT or /var/lib/mydocker, config.json)
// sees the containers containerd starts. Of the built-ins only the exec and cgroups plugins apply: the
// bundle brings its own root file system (no storage driver, no volumes) and its network comes from
// its namespaces (containerd's CNI), not from mydocker's networks.
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import type { ContainerRecord } from '../container/record.js';
import { DEFAULT_SECURITY } from '../security/settings.js';
import { resolveRoot } from '../state-root.js';
import type { NetworksFactory, PluginHost } from '../runtime/plugin-host.js';
import type { OciContainer } from './store.js';

/** The storage driver name hooks see for an OCI container: its root is the bundle's, mounted by the caller. */
export const BUNDLE_STORAGE = 'oci-bundle';

/**
 * `networks`: the state root's registry for the plugins (host-networks.ts), which the built-ins
 * here never use: `delete`'s small program gives none, and hands a root whose config lists a
 * plugin to the whole program (delete-cli.ts).
 */
export async function ociPluginHost(root: string, kernel: () => Kernel, networks?: NetworksFactory, env: NodeJS.ProcessEnv = process.env): Promise<PluginHost> {
  const [{ PluginHost }, { default: cgroups }, { default: exec }, { readConfigFile }] = await Promise.all([
    import('../runtime/plugin-host.js'),
    import('../../plugins/cgroups/index.js'),
    import('../../plugins/exec/index.js'),
    import('../runtime/config-file.js'),
  ]);
  const host = new PluginHost(root, kernel, { networks });
  await host.use(exec);
  await host.use(cgroups);
  const files = readConfigFile(path.join(resolveRoot(undefined, env), 'config.json')).plugins;
  if (files.length > 0) {
    const { loadPluginFile } = await import('../runtime/load-plugin.js');
    for (const file of files) await host.use(await loadPluginFile(file));
  }
  return host;
}

/**
 * The container as hooks see it. Its pluginState is the container's own object: what taps save
 * lands in the state the OCI store writes afterwards.
 */
export function hookRecord(c: OciContainer): ContainerRecord {
  const e = c.engine;
  return {
    id: c.id,
    name: c.id,
    created: c.created,
    image: { ref: `oci-bundle:${c.bundle}`, id: '' },
    command: e.command,
    env: e.env,
    workdir: e.cwd,
    hostname: e.hostname,
    tty: e.tty,
    interactive: false,
    autoRemove: false,
    storageDriver: BUNDLE_STORAGE,
    options: e.options,
    security: DEFAULT_SECURITY,
    plugins: [],
    rootfs: e.rootfs,
    state: { status: c.phase === 'running' ? 'running' : 'created', pid: c.pid, pidStartTime: c.pidStartTime, startedAt: null, finishedAt: null, exitCode: null },
    pluginState: e.pluginState,
  };
}
