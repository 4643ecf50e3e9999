// The runtime's container methods (run, start, stop, kill, rm, exec, logs, inspect, stats, export, prune
// and the shim's cleanup), behind the Runtime facade, which loads this module on their first call.
// Each loads the code of its own path (the run sequence, exec, teardown) only when called: this
// module's own imports are what the facade has loaded already.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as osConstants } from 'node:os';
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus } from '../container/status.js';
import type { StdioTarget } from '../process/launch.js';
import { MydockerError, NoSuchContainerError } from '../errors.js';
import { NetworkStore } from '../network/store.js';
import type { RunSpec, RunningContainer } from './run.js';
import type { ExecProcess, ExecSpec } from './exec.js';
import type { LogEntry, LogQuery } from './logs.js';
import type { Change } from '../image/container-diff.js';
import type { RuntimeInternals } from './internals.js';
import type { UpdateSpec } from './update.js';
import type { PluginHost } from './plugin-host.js';
import type { ContainerStats, PortMapping } from '../../hooks/index.js';
import { isStateFileError } from '../../hooks/state-file.js';

/**
 * A user's stop or kill: a container with a restart policy is not started again after it (saved,
 * under its lock, before the signal, so the shim's cleanup that sees the end sees this too).
 */
async function markManuallyStopped(rt: RuntimeInternals, record: ContainerRecord): Promise<ContainerRecord> {
  if (!record.restart) return record;
  const { lockContainer } = await import('../container/lock.js');
  return lockContainer(rt.kernel, rt.containers, record.id, async () => {
    const current = rt.containers.load(record.id);
    if (current.restart) {
      current.restart.manuallyStopped = true;
      rt.containers.save(current);
    }
    return current;
  });
}

/** A container's hooks belong to the plugins it was created with: load them again. */
export async function usePluginsOf(rt: RuntimeInternals, record: ContainerRecord): Promise<void> {
  for (const file of record.plugins) {
    if (!fs.existsSync(file)) {
      throw new MydockerError(`container ${record.name} was created with plugin ${file}, which is gone`, {
        hint: 'restore the file so that its hooks can run, then try again',
      });
    }
    await rt.use(file);
  }
}

export async function run(rt: RuntimeInternals, spec: RunSpec): Promise<RunningContainer> {
  // A network whose driver a plugin serves needs that plugin (recorded with the network).
  const network = spec.options?.network;
  if (typeof network === 'string') {
    for (const file of new NetworkStore(path.join(rt.root.dir, 'networks')).find(network)?.plugins ?? []) await rt.use(file);
  }
  const deps = await rt.runDeps();
  const [{ runContainer }, { explainingE2big }] = await Promise.all([import('./run.js'), import('../container/env-size.js')]);
  return explainingE2big(runContainer(deps, { ...spec, plugins: [...(spec.plugins ?? []), ...rt.userPluginFiles] }));
}

/** `create`: the container as `run` would make it, not started; what Runtime.create returns. */
export async function create(rt: RuntimeInternals, spec: RunSpec): Promise<{ id: string; name: string }> {
  const network = spec.options?.network;
  if (typeof network === 'string') {
    for (const file of new NetworkStore(path.join(rt.root.dir, 'networks')).find(network)?.plugins ?? []) await rt.use(file);
  }
  const deps = await rt.runDeps();
  const { createContainer } = await import('./run.js');
  const record = await createContainer(deps, { ...spec, plugins: [...(spec.plugins ?? []), ...rt.userPluginFiles] });
  return { id: record.id, name: record.name };
}

export async function start(
  rt: RuntimeInternals,
  ref: string,
  options: { attach?: boolean; stdio?: [StdioTarget, StdioTarget, StdioTarget]; /** The restart policy's start, by this waiting process. */ restarting?: boolean },
): Promise<RunningContainer | null> {
  const found = rt.containers.resolve(ref);
  await usePluginsOf(rt, found);
  const deps = await rt.runDeps();
  const [{ requireShim, startContainer }, { lockContainer }, { releaseContainer }, { explainingE2big }] = await Promise.all([
    import('./run.js'),
    import('../container/lock.js'),
    import('./release.js'),
    import('../container/env-size.js'),
  ]);
  const attach = options.attach ?? false;
  if (!attach) requireShim(deps);
  const starting = lockContainer(rt.kernel, rt.containers, found.id, async () => {
    if (!rt.containers.exists(found.id)) throw new NoSuchContainerError(ref);
    const record = rt.containers.load(found.id);
    if (deriveStatus(record) === 'running') return null;
    // The policy was dropped (`update --restart no`) while its cleanup waited out the back-off.
    if (options.restarting && !record.restart) return null;
    if (record.restart) {
      if (options.restarting) {
        // Stopped by a user, or started by one, while this process waited: not ours to start.
        if (record.restart.manuallyStopped || record.restart.waiting?.pid !== process.pid) return null;
        record.restart.count++;
      } else {
        record.restart = { policy: record.restart.policy, count: 0 };
      }
      delete record.restart.waiting;
      rt.containers.save(record);
    }
    // Whatever the last run left (its runtime may have died at any step, before it could save what
    // it had made) is released first: every teardown is idempotent and finds its things by the ID.
    await releaseContainer(deps, record, { remove: false });
    const image = rt.images.find(record.image.id);
    if (!image) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
    return startContainer(deps, record, image, { detach: !attach, stdio: options.stdio, created: false });
  });
  return explainingE2big(starting);
}

export async function waitReleased(rt: RuntimeInternals, ref: string, timeoutMs: number): Promise<void> {
  const id = rt.containers.resolve(ref).id;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!rt.containers.exists(id)) return;
    const record = rt.containers.load(id);
    if (deriveStatus(record) !== 'running' && (record.rootfs === null || record.state.status === 'exited')) break;
    if (Date.now() > deadline) return; // start releases what is left itself
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The releaser marks the end and releases under the container's lock: holding it means it is done.
  const { lockContainer } = await import('../container/lock.js');
  await lockContainer(rt.kernel, rt.containers, id, async () => {});
}

/**
 * Waits until the container is not running (Docker's default condition, "not-running") and whoever
 * saw it end has recorded its end; resolves with its exit code (null when none is known).
 */
export async function wait(rt: RuntimeInternals, ref: string, pollMs = 50): Promise<number | null> {
  const id = rt.containers.resolve(ref).id;
  const { endOf } = await import('../container/exit-file.js');
  for (;;) {
    if (!rt.containers.exists(id)) throw new NoSuchContainerError(ref);
    if (deriveStatus(rt.containers.load(id)) !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  await waitReleased(rt, id, 10_000);
  // Removed at its end (--rm): its code went with it.
  if (!rt.containers.exists(id)) return null;
  return endOf(rt.containers.load(id)).exitCode;
}

/**
 * Host PIDs of a running container's processes: every process in its PID namespace (its first
 * process's, read from /proc), whoever put it there (exec, a plugin). Refused when not running.
 */
export async function processes(rt: RuntimeInternals, ref: string, procRoot = '/proc'): Promise<number[]> {
  const record = rt.containers.resolve(ref);
  const pid = record.state.pid;
  if (deriveStatus(record) !== 'running' || pid === null) throw new MydockerError(`container ${record.name} is not running`, { exitCode: 1 });
  const namespace = fs.readlinkSync(path.join(procRoot, String(pid), 'ns/pid'));
  const found: number[] = [];
  for (const entry of fs.readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(path.join(procRoot, entry, 'ns/pid')) === namespace) found.push(Number(entry));
    } catch {
      // ended meanwhile, or a kernel thread
    }
  }
  return found.sort((a, b) => a - b);
}

/** The ports a running container publishes (none when it is not running), as its network was set up. */
export async function ports(rt: RuntimeInternals, ref: string): Promise<PortMapping[]> {
  const record = rt.containers.resolve(ref);
  if (deriveStatus(record) !== 'running') return [];
  const { savedPorts } = await import('../../hooks/ports.js');
  return savedPorts(record.options, record.pluginState);
}

/** `diff`: the container's changes to its image's filesystem. */
export async function diff(rt: RuntimeInternals, ref: string): Promise<Change[]> {
  const record = rt.containers.resolve(ref);
  await usePluginsOf(rt, record);
  const image = rt.images.find(record.image.id);
  if (!image) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
  const deps = await rt.runDeps();
  const [{ storageContext }, { whiteoutRules }, { containerDiff }] = await Promise.all([import('./release.js'), import('../image/stage-changes.js'), import('../image/container-diff.js')]);
  const changes = deps.host.storageDriver(record.storageDriver).changes(storageContext(deps, record, []));
  const layers = image.layers.map((l) => rt.images.layerDir(l)).reverse();
  return containerDiff(changes.dir, layers, whiteoutRules(changes.whiteouts, rt.kernel));
}

/** What `cp` copies: between a path in the container and one on the host, either way. */
export interface CopySpec {
  direction: 'in' | 'out';
  containerPath: string;
  hostPath: string;
  /** -L: follow a link named by the source path. */
  followLink?: boolean;
  /** -a: into the container, keep the host files' owners (else root's). */
  archive?: boolean;
  /** Into the container: the destination must be an existing directory. */
  intoDirectory?: boolean;
}

/** `cp`: a stopped container's root is mounted for the copy, under its lock (no start meanwhile). */
export async function copy(rt: RuntimeInternals, ref: string, spec: CopySpec): Promise<void> {
  const found = rt.containers.resolve(ref);
  await usePluginsOf(rt, found);
  const [{ copyIn, copyOut }, { lockContainer }, { storageContext }, deps] = await Promise.all([import('./copy.js'), import('../container/lock.js'), import('./release.js'), rt.runDeps()]);
  const act = (rootfs: string): void => {
    if (spec.direction === 'out') copyOut(rt.kernel, rootfs, ref, spec.containerPath, spec.hostPath, spec);
    else copyIn(rt.kernel, rootfs, spec.hostPath, spec.containerPath, spec);
  };
  if (spec.direction === 'in' && found.security?.readOnlyRootfs) {
    throw new MydockerError(`container ${found.name}'s root filesystem is read-only`, { exitCode: 1, hint: 'copy into one of its volumes, or run it without --read-only' });
  }
  if (deriveStatus(found) === 'running' && found.rootfs !== null) return act(found.rootfs);
  await lockContainer(rt.kernel, rt.containers, found.id, async () => {
    const record = rt.containers.load(found.id);
    if (deriveStatus(record) === 'running' && record.rootfs !== null) return act(record.rootfs);
    const image = rt.images.find(record.image.id);
    if (!image) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
    const driver = deps.host.storageDriver(record.storageDriver);
    const ctx = storageContext(deps, record, image.layers.map((l) => rt.images.layerDir(l)).reverse());
    const rootfs = await driver.mount(ctx);
    try {
      act(rootfs);
    } finally {
      await driver.unmount(ctx);
    }
  });
}

/** New limits or restart policy for a container (`update`), under its lock: see update.ts. */
export async function update(rt: RuntimeInternals, ref: string, spec: UpdateSpec): Promise<void> {
  const { updateContainer } = await import('./update.js');
  await updateContainer(rt, ref, spec, (record) => usePluginsOf(rt, record));
}

/** Renames a container (`rename OLD NEW`), under its lock. */
export async function rename(rt: RuntimeInternals, ref: string, name: string): Promise<void> {
  const id = rt.containers.resolve(ref).id;
  const { lockContainer } = await import('../container/lock.js');
  await lockContainer(rt.kernel, rt.containers, id, async () => {
    if (!rt.containers.exists(id)) throw new NoSuchContainerError(ref);
    const record = rt.containers.load(id);
    const oldName = record.name;
    rt.containers.rename(record, name);
    const { eventAttributes, recordEvent } = await import('./events.js');
    recordEvent(rt.root.dir, 'rename', id, eventAttributes(record, { oldName: `/${oldName}` }));
  });
}

export async function remove(rt: RuntimeInternals, ref: string, options: { force?: boolean; volumes?: boolean }): Promise<void> {
  let record: ContainerRecord | null = null;
  let id: string | null;
  try {
    record = rt.containers.resolve(ref);
    id = record.id;
  } catch (error) {
    // No readable record (a run or rm killed half-way): what is left is still removed by its ID.
    id = rt.containers.idOf(ref);
    if (id === null) throw error;
  }
  if (record) await usePluginsOf(rt, record);
  const { removeContainer } = await import('./remove.js');
  await removeContainer(await rt.runDeps(), ref, id, { force: options.force ?? false, volumes: options.volumes ?? false });
}

export async function exec(rt: RuntimeInternals, ref: string, spec: ExecSpec): Promise<ExecProcess> {
  const record = rt.containers.resolve(ref);
  await usePluginsOf(rt, record);
  const host = await rt.host();
  const [{ execInContainer }, { spawnLight }, { sealedInit }, { explainingE2big }] = await Promise.all([
    import('./exec.js'),
    import('../process/spawn-light.js'),
    import('../process/init-binary.js'),
    import('../container/env-size.js'),
  ]);
  const kernel = rt.kernel;
  const deps = { host, kernel, stateDir: rt.containers.dir(record.id), spawn: spawnLight, initFd: sealedInit(kernel), seccompCache: path.join(rt.root.dir, 'cache', 'seccomp') };
  return explainingE2big(execInContainer(deps, record, spec));
}

export async function stop(rt: RuntimeInternals, ref: string, options: { timeout?: number }): Promise<void> {
  const { stopContainer } = await import('./stop.js');
  const record = await markManuallyStopped(rt, rt.containers.resolve(ref));
  const { eventAttributes, recordEvent } = await import('./events.js');
  // As Docker's: the stop signal is a kill event, then the end's die, then stop.
  const running = deriveStatus(record) === 'running';
  if (running) recordEvent(rt.root.dir, 'kill', record.id, eventAttributes(record, { signal: String(osConstants.signals[(record.stopSignal ?? 'SIGTERM') as NodeJS.Signals] ?? record.stopSignal) }));
  await stopContainer(record, options.timeout);
  await waitReleased(rt, record.id, 10_000);
  if (running) recordEvent(rt.root.dir, 'stop', record.id, eventAttributes(record));
}

export async function kill(rt: RuntimeInternals, ref: string, signal: NodeJS.Signals | number): Promise<void> {
  const { killContainer } = await import('./stop.js');
  const record = await markManuallyStopped(rt, rt.containers.resolve(ref));
  killContainer(record, signal);
  const { eventAttributes, recordEvent } = await import('./events.js');
  recordEvent(rt.root.dir, 'kill', record.id, eventAttributes(record, { signal: String(typeof signal === 'number' ? signal : (osConstants.signals[signal] ?? signal)) }));
}

export async function inspect(rt: RuntimeInternals, ref: string): Promise<Record<string, unknown>> {
  const record = rt.containers.resolve(ref);
  const host = await pluginsFor(rt, record);
  const [{ inspectContainer }, { containerInfo }] = await Promise.all([import('./inspect.js'), import('./contexts.js')]);
  const stateDir = rt.containers.dir(record.id);
  const sections = host.inspectSectionsOf(containerInfo(record, stateDir), record.pluginState, deriveStatus(record) === 'running');
  return inspectContainer(
    record,
    {
      stateDir,
      storageDir: path.join(rt.root.storage(record.storageDriver), record.id),
      layers: imageLayersOrNone(rt, record.image.id).map((l) => rt.images.layerDir(l)).reverse(),
    },
    sections,
  );
}

/** For inspect: the image's layers, none when its record is gone or cannot be read (inspect shows the rest). */
function imageLayersOrNone(rt: RuntimeInternals, id: string): string[] {
  try {
    return rt.images.find(id)?.layers ?? [];
  } catch (error) {
    if (isStateFileError(error)) return [];
    throw error;
  }
}

/** A running container's usage, from the plugins' stats providers; null when it is not running. */
export async function stats(rt: RuntimeInternals, ref: string): Promise<ContainerStats | null> {
  const record = rt.containers.resolve(ref);
  if (deriveStatus(record) !== 'running') return null;
  const host = await pluginsFor(rt, record);
  const { containerInfo } = await import('./contexts.js');
  return host.stats(containerInfo(record, rt.containers.dir(record.id)), record.pluginState);
}

/**
 * The plugin host with the plugins a container was created with, for reading it (inspect, stats):
 * a plugin file that is gone only takes its own fields away.
 */
async function pluginsFor(rt: RuntimeInternals, record: ContainerRecord): Promise<PluginHost> {
  for (const file of record.plugins) if (fs.existsSync(file)) await rt.use(file);
  return rt.host();
}

export async function logs(rt: RuntimeInternals, ref: string, options: LogQuery): Promise<AsyncGenerator<LogEntry>> {
  const { readLog } = await import('./logs.js');
  const record = rt.containers.resolve(ref);
  if (!record.detached) {
    throw new MydockerError(`container ${record.name} ran in the foreground: its output went to the terminal, not to a log`, {
      hint: 'run it with -d to keep a log',
    });
  }
  const running = (): boolean => rt.containers.exists(record.id) && deriveStatus(rt.containers.load(record.id)) === 'running';
  return readLog(record.detached.log, { ...options, running });
}

export async function cleanup(rt: RuntimeInternals, id: string): Promise<void> {
  if (!rt.containers.exists(id)) return;
  await usePluginsOf(rt, rt.containers.load(id));
  const [{ endContainer }, { restartIfDue }] = await Promise.all([import('./end.js'), import('./restart.js')]);
  await endContainer(await rt.runDeps(), id, { by: 'shim' });
  await restartIfDue(rt, id);
}

export async function prune(rt: RuntimeInternals): Promise<string[]> {
  const removed: string[] = [];
  for (const record of rt.containers.list()) {
    if (deriveStatus(record) === 'running') continue;
    try {
      await remove(rt, record.id, {});
      removed.push(record.id);
    } catch (error) {
      // Started or removed meanwhile by someone else: not ours to prune.
      if (!(error instanceof MydockerError) || error.exitCode !== 1) throw error;
    }
  }
  return removed;
}

export async function exportContainer(rt: RuntimeInternals, ref: string): Promise<NodeJS.ReadableStream> {
  const record = rt.containers.resolve(ref);
  // Its storage driver may be a plugin's, recorded with it.
  for (const file of record.plugins) if (fs.existsSync(file)) await rt.use(file);
  const deps = await rt.runDeps();
  const image = rt.images.find(record.image.id);
  if (!image) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
  const [{ storageContext }, tar] = await Promise.all([import('./release.js'), import('tar')]);
  const driver = deps.host.storageDriver(record.storageDriver);
  const ctx = storageContext(deps, record, image.layers.map((l) => rt.images.layerDir(l)).reverse());
  const mountedHere = record.rootfs === null;
  const rootfs = mountedHere ? await driver.mount(ctx) : record.rootfs!;
  // Mount points of the container (/proc, /dev, /sys) are empty directories in its layer.
  const stream = tar.create({ cwd: rootfs, portable: false, preservePaths: false }, fs.readdirSync(rootfs));
  if (mountedHere) {
    // Once, whichever comes: the end, an error, or the stream destroyed by its reader leaving.
    let mounted = true;
    const unmount = (): void => {
      if (mounted) void driver.unmount(ctx).catch(() => {});
      mounted = false;
    };
    stream.on('end', unmount);
    stream.on('error', unmount);
    stream.on('close', unmount);
  }
  return stream as unknown as NodeJS.ReadableStream;
}
