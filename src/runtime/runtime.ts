// The runtime API: what the CLI drives and what a user's script imports. One Runtime works in one
// state root with one set of plugins (built-ins, the root's config file, then the caller's).
// A facade: each method's work is in the module of its subject (containers.ts, images.ts,
// networks.ts, volumes.ts); loading the plugins and what a container's run needs are here. Start-up is on
// every command's path: this module loads only the stores; a subject's module, plugins (and
// tapable), the run and exec paths and koffi are loaded by the methods that need them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerStats, Kernel, LifecycleHooks, NetworkInfo, Plugin, PortMapping } from '../../hooks/index.js';
import { ContainerStore, unreadableContainer } from '../container/store.js';
import { containerSummaries, type ContainerSummary } from './summaries.js';
import { forgetImages } from '../build/cache.js';
import { ImageStore, type ImageConfig, type ImageRecord, type ImageSummary, type RemovedImage } from '../image/store.js';
import type { ProgressListener } from '../image/count-bytes.js';
import { libcKernel } from '../kernel/libc.js';
import type { CreateNetworkSpec } from '../network/networks.js';
import { NetworkStore } from '../network/store.js';
import type { LaunchDeps, StdioTarget } from '../process/launch.js';
import { StateRoot, resolveRoot } from '../state-root.js';
import { MydockerError, fileError } from '../errors.js';
import type { PluginHost } from './plugin-host.js';
import type { RunDeps, RunSpec, RunningContainer } from './run.js';
import type { ExecProcess, ExecSpec } from './exec.js';
import type { LogEntry, LogQuery } from './logs.js';
import type { Change } from '../image/container-diff.js';
import type { RuntimeInfo } from './info.js';
import type { EventQuery, RuntimeEvent } from './events.js';
import type { PruneReport } from './prune.js';
import type { CopySpec } from './containers.js';
import type { RuntimeInternals } from './internals.js';
import type { DiskUsage } from './disk-usage-totals.js';
import type { Attachment } from './attach.js';
import type { NetworkDetails } from './networks.js';
import type { VolumeDetails } from './volumes.js';
import type { CheckReport } from './system-check.js';
import type { BuildOptions, BuildResult } from '../build/build.js';
import type { HealthState } from '../container/health.js';
import type { UpdateSpec } from './update.js';
import type { PushedBlob, PushResult } from '../image/push.js';

export type { NetworkDetails } from './networks.js';
export type { ContainerSummary } from './summaries.js';
export type { VolumeDetails } from './volumes.js';
export type { CheckReport } from './system-check.js';
export type { DiskUsage, DfRow } from './disk-usage-totals.js';
export type { BuildEvent, BuildOptions, BuildResult } from '../build/build.js';

export interface RuntimeOptions {
  /** State root; default MYDOCKER_ROOT or /var/lib/mydocker. */
  root?: string;
  /**
   * Load the plugins now (default), so that `hooks` can be tapped at once. With false they are
   * loaded by the first method that runs hooks (what the CLI does: `ps` needs none).
   */
  loadPlugins?: boolean;
  /** Plugins (objects or file paths) added after the built-ins and the root's config file. */
  plugins?: Array<Plugin | string>;
  /** Read <root>/config.json for more plugins (default true). */
  configFile?: boolean;
  /** Kernel calls; default libc through koffi. Tests pass a fake. */
  kernel?: Kernel;
  /**
   * Receives a line per hook call, tap, plugin apply and driver call: who, how long, ok or failed
   * (`mydocker --trace` passes one that writes stderr). Nothing is traced without it.
   */
  trace?: (line: string) => void;
}


export class Runtime {
  readonly root: StateRoot;
  readonly containers: ContainerStore;
  readonly images: ImageStore;
  private hostInstance: PluginHost | undefined;
  private hostLoading: Promise<PluginHost> | undefined;
  private readonly userPluginFiles: string[] = [];
  private kernelInstance: Kernel | undefined;
  /** What the subject modules work with: this runtime's stores, kernel and plugins. */
  private readonly internals: RuntimeInternals;

  private constructor(
    root: string,
    kernel: Kernel | undefined,
    private readonly options: RuntimeOptions,
  ) {
    this.root = new StateRoot(root);
    this.containers = new ContainerStore(this.root);
    this.images = new ImageStore(this.root, () => this.kernel);
    this.kernelInstance = kernel;
    const kernelOf = (): Kernel => this.kernel;
    this.internals = {
      root: this.root,
      containers: this.containers,
      images: this.images,
      get kernel() {
        return kernelOf();
      },
      host: () => this.host(),
      use: (plugin) => this.use(plugin),
      userPluginFiles: this.userPluginFiles,
      runDeps: () => this.runDeps(),
    };
  }

  static async create(options: RuntimeOptions = {}): Promise<Runtime> {
    const runtime = new Runtime(resolveRoot(options.root), options.kernel, options);
    // Every runtime, hence every command, makes the root exist and private (a few stat calls), so
    // that a root made by an older mydocker with open modes is closed on its first use.
    runtime.root.secure();
    if (options.loadPlugins !== false) await runtime.host();
    return runtime;
  }

  /** The lifecycle hooks; a script may tap them like a plugin does. */
  get hooks(): LifecycleHooks {
    if (!this.hostInstance) throw new MydockerError('plugins are not loaded yet', { hint: 'create the runtime without loadPlugins: false' });
    return this.hostInstance.hooks;
  }

  /** The plugin host, with the built-ins, the config file's and the caller's plugins applied. */
  private host(): Promise<PluginHost> {
    this.hostLoading ??= (async () => {
      const [{ PluginHost }, { stateRootNetworks }, { builtinPlugins }, { readConfigFile }] = await Promise.all([
        import('./plugin-host.js'),
        import('./host-networks.js'),
        import('../../plugins/index.js'),
        import('./config-file.js'),
      ]);
      const host = new PluginHost(this.root.dir, () => this.kernel, { trace: this.options.trace, networks: stateRootNetworks });
      this.hostInstance = host;
      for (const plugin of builtinPlugins) await host.use(plugin);
      const fromConfig = this.options.configFile === false ? [] : readConfigFile(this.root.configFile).plugins;
      for (const plugin of [...fromConfig, ...(this.options.plugins ?? [])]) await this.use(plugin);
      return host;
    })();
    return this.hostLoading;
  }

  get kernel(): Kernel {
    this.kernelInstance ??= libcKernel();
    return this.kernelInstance;
  }

  /** Adds a plugin: an object, or a file (.ts through tsx, .js natively) recorded in new containers. */
  async use(plugin: Plugin | string): Promise<void> {
    // During the host's own loading, the host exists already (hostInstance) and must not be awaited.
    const host = this.hostInstance ?? (await this.host());
    if (typeof plugin !== 'string') return host.use(plugin);
    let file: string;
    try {
      file = fs.realpathSync(plugin);
    } catch (error) {
      throw fileError(error, 'load plugin', plugin);
    }
    if (this.userPluginFiles.includes(file)) return;
    const { loadPluginFile } = await import('./load-plugin.js');
    await host.use(await loadPluginFile(file));
    this.userPluginFiles.push(file);
  }

  /** What running, starting, ending and removing a container need. */
  private async runDeps(): Promise<RunDeps> {
    const host = await this.host();
    const { fileURLToPath } = await import('node:url');
    const [{ sealedInit }, { hostDevices }, { spawnLight }] = await Promise.all([
      import('../process/init-binary.js'),
      import('../process/confine-mounts.js'),
      import('../process/spawn-light.js'),
    ]);
    const kernel = this.kernel;
    return {
      root: this.root,
      host,
      kernel,
      containers: this.containers,
      images: this.images,
      launchDeps: (): LaunchDeps => ({ kernel, spawn: spawnLight, initFd: sealedInit(kernel), hostDevices }),
      seccompCache: path.join(this.root.dir, 'cache', 'seccomp'),
      detached: {
        shim: fileURLToPath(new URL('../../shim/mydocker-shim', import.meta.url)),
        cleanup: (id) => [process.execPath, fileURLToPath(new URL('../cli/main.cjs', import.meta.url)), '--root', this.root.dir, 'cleanup', id],
        healthcheck: (id) => [process.execPath, fileURLToPath(new URL('../cli/main.cjs', import.meta.url)), '--root', this.root.dir, 'healthcheck', id],
      },
    };
  }

  // Containers (containers.ts)

  /** Creates a container and starts its command; see RunningContainer for the rest of its life. */
  async run(spec: RunSpec): Promise<RunningContainer> {
    return (await import('./containers.js')).run(this.internals, spec);
  }

  /**
   * Creates a container as `run` would, without starting it (`docker create`): status `created`,
   * started later by `start` (detached, or attached). `detach`, `stdio` and a tty's size are start's
   * business and ignored here.
   */
  async create(spec: RunSpec): Promise<{ id: string; name: string }> {
    return (await import('./containers.js')).create(this.internals, spec);
  }

  /**
   * New resource limits (run's option names: memory, memorySwap, cpus, cpuShares, cpusetCpus,
   * cpusetMems, pidsLimit) or restart policy for a container (`docker update`): a running one gets
   * the limits at once, a stopped one at its next start. A refused update changes nothing.
   */
  async update(ref: string, spec: UpdateSpec): Promise<void> {
    return (await import('./containers.js')).update(this.internals, ref, spec);
  }

  /**
   * Starts a stopped container again, with the same filesystem and configuration. Detached unless
   * `attach` (then stdio is passed through, as for a foreground run). Null if it was running.
   */
  async start(ref: string, options: { attach?: boolean; stdio?: [StdioTarget, StdioTarget, StdioTarget] } = {}): Promise<RunningContainer | null> {
    return (await import('./containers.js')).start(this.internals, ref, options);
  }

  /**
   * Waits until whoever ran a container that has ended (its foreground `run`, or its shim's cleanup)
   * has recorded the end and released it, so that it can be started again.
   */
  async waitReleased(ref: string, timeoutMs = 10_000): Promise<void> {
    return (await import('./containers.js')).waitReleased(this.internals, ref, timeoutMs);
  }

  /**
   * Removes a container by name, ID or ID prefix; `force` kills a running one first, `volumes`
   * removes its anonymous volumes too.
   */
  async remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return (await import('./containers.js')).remove(this.internals, ref, options);
  }

  /** Starts a process inside a running container (the enterNamespace hook joins it). */
  async exec(ref: string, spec: ExecSpec): Promise<ExecProcess> {
    return (await import('./containers.js')).exec(this.internals, ref, spec);
  }

  /**
   * The container's stop signal (SIGTERM unless --stop-signal), then SIGKILL after `timeout` seconds
   * (default: its --stop-timeout, else 10). A stopped container is fine.
   * Resolves once the container has been released too (its network, cgroups and mounts), as
   * Docker's stop does, by whichever process releases it.
   */
  async stop(ref: string, options: { timeout?: number } = {}): Promise<void> {
    return (await import('./containers.js')).stop(this.internals, ref, options);
  }

  /**
   * Resolves once the container is not running and its end is recorded, with its exit code (null
   * when it is not known, e.g. removed at its end by --rm).
   */
  async wait(ref: string): Promise<number | null> {
    return (await import('./containers.js')).wait(this.internals, ref);
  }

  /** Host PIDs of a running container's processes (`top`). */
  async processes(ref: string): Promise<number[]> {
    return (await import('./containers.js')).processes(this.internals, ref);
  }

  /** The ports a running container publishes (`port`); none when it is not running. */
  async ports(ref: string): Promise<PortMapping[]> {
    return (await import('./containers.js')).ports(this.internals, ref);
  }

  /** What a container changed in its filesystem (`diff`): added, changed, deleted paths, in order. */
  async diff(ref: string): Promise<Change[]> {
    return (await import('./containers.js')).diff(this.internals, ref);
  }

  /**
   * `cp`: copies between a path in the container and one on the host (Docker's rules for what
   * lands where; the container's path resolved inside its root, links never followed out of it).
   */
  async copy(ref: string, spec: CopySpec): Promise<void> {
    return (await import('./containers.js')).copy(this.internals, ref, spec);
  }

  /** Gives a container a new name; refused if another container has it. */
  async rename(ref: string, name: string): Promise<void> {
    return (await import('./containers.js')).rename(this.internals, ref, name);
  }

  /** Sends a signal (default SIGKILL) to a running container's PID 1. */
  async kill(ref: string, signal: NodeJS.Signals | number = 'SIGKILL'): Promise<void> {
    return (await import('./containers.js')).kill(this.internals, ref, signal);
  }

  /**
   * Connects to a running detached container's stdio, served by its shim: its output from now on,
   * and with `stdin` (and a container run with -i) the input written to the socket. See Attachment.
   */
  async attach(ref: string, options: { stdin?: boolean } = {}): Promise<Attachment> {
    return (await import('./attach.js')).attachContainer(this.internals, ref, { stdin: options.stdin ?? true });
  }

  /**
   * Freezes a running container's processes (the kernel's cgroup freezer): refused when it is not
   * running or already paused. `stop`, `kill -s KILL` and `rm -f` thaw it for the kill, as Docker's.
   */
  async pause(ref: string): Promise<void> {
    return (await import('./pause.js')).pause(this.internals, ref);
  }

  /** Thaws a paused container; refused when it is not paused. */
  async unpause(ref: string): Promise<void> {
    return (await import('./pause.js')).unpause(this.internals, ref);
  }

  /** Everything known of a container, in Docker's shape where Docker has one. */
  async inspect(ref: string): Promise<Record<string, unknown>> {
    return (await import('./containers.js')).inspect(this.internals, ref);
  }

  /** A running container's CPU time, memory and PIDs, from the plugins' stats providers; null when not running. */
  async stats(ref: string): Promise<ContainerStats | null> {
    return (await import('./containers.js')).stats(this.internals, ref);
  }

  /**
   * A detached container's output, oldest first; with `follow`, until the container ends (or
   * `until`). `since`/`until` are nanoseconds since the epoch (parseLogTime reads Docker's forms).
   */
  async logs(ref: string, options: LogQuery = {}): Promise<AsyncGenerator<LogEntry>> {
    return (await import('./containers.js')).logs(this.internals, ref, options);
  }

  /**
   * Runs one health check of a running container and records its result (what its shim runs every
   * interval); returns the health state after it, or null when no check was made (none configured,
   * not running, or it stopped meanwhile).
   */
  async healthcheck(ref: string): Promise<HealthState | null> {
    return (await (await import('./health-check.js')).runHealthCheck(this.internals, ref)).state;
  }

  /** Records how a detached container ended and releases it (what its shim runs at the end). */
  async cleanup(id: string): Promise<void> {
    return (await import('./containers.js')).cleanup(this.internals, id);
  }

  /** Removes every container that is not running; returns their IDs. */
  async prune(): Promise<string[]> {
    return (await import('./containers.js')).prune(this.internals);
  }

  /**
   * `export`: the container's filesystem as one tar stream (its layers flattened, deletions
   * applied), as `docker export` writes it and `import` reads it. A stopped container's root is
   * mounted for the time of the export.
   */
  async exportContainer(ref: string): Promise<NodeJS.ReadableStream> {
    return (await import('./containers.js')).exportContainer(this.internals, ref);
  }

  /**
   * `system check`: one line per thing of this root that belongs to nothing (see system-check.ts);
   * with `fix`, each is removed too, and those that could not be are reported with why.
   */
  /** `system df`: the bytes of images (shared layers once), containers' writable layers, volumes and the build cache. */
  async diskUsage(): Promise<DiskUsage> {
    return (await import('./disk-usage.js')).diskUsage(this.internals);
  }

  async systemCheck(options: { fix?: boolean } = {}): Promise<CheckReport> {
    const [{ systemCheck }, deps] = await Promise.all([import('./system-check.js'), this.runDeps()]);
    return systemCheck(deps, { fix: options.fix ?? false });
  }

  /**
   * The containers' events (`events`): recorded ones from `since`, then new ones as they happen,
   * until `until` (without it, until the caller stops iterating).
   */
  async events(query: EventQuery = {}): Promise<AsyncGenerator<RuntimeEvent>> {
    return (await import('./events.js')).readEvents(this.root.dir, query);
  }

  /**
   * `system prune`: stopped containers, unused user networks, dangling images (with `all`, every
   * image no container has), with `volumes` unused anonymous volumes; what each removal refuses stays.
   */
  async systemPrune(options: { all?: boolean; volumes?: boolean } = {}): Promise<PruneReport> {
    return (await import('./prune.js')).systemPrune(this, options);
  }

  /** What this runtime and host are (`info`), in Docker's field names. */
  async info(): Promise<RuntimeInfo> {
    const [{ runtimeInfo }, host] = await Promise.all([import('./info.js'), this.host()]);
    return runtimeInfo(this.root.dir, this.listContainers(), this.listImages().length, host);
  }

  /** Every container; one whose record cannot be used is listed too, as 'dead', with its problem. */
  listContainers(): ContainerSummary[] {
    return containerSummaries(this.containers);
  }

  // Images (images.ts, and the ImageStore for the rest)

  /** Imports a rootfs tarball (plain or gzip, docker export style) as an image. */
  async importImage(file: string, ref: string, config: ImageConfig = {}, onProgress?: ProgressListener): Promise<ImageRecord> {
    return (await import('./images.js')).importImage(this.internals, file, ref, config, onProgress);
  }

  /**
   * `commit`: the container's own layer becomes one new layer on top of its image's (the image's
   * layers are not copied), with the container's command, environment and working directory as the
   * new image's defaults. Deletions made in the container are carried as whiteouts.
   */
  async commit(ref: string, imageRef: string | null): Promise<ImageRecord> {
    return (await import('./images.js')).commit(this.internals, ref, imageRef);
  }

  /**
   * `save`: images as one tar archive in Docker's format (`docker load` reads it). `refs` may name
   * images by name (saved under that name) or ID (saved under all its names).
   */
  async save(refs: string[]): Promise<NodeJS.ReadableStream> {
    return (await import('./images.js')).save(this.internals, refs);
  }

  /** `load`: images from a `docker save` archive or an OCI image layout (plain or gzip tar). */
  async load(input: Readable, gzip: boolean, onProgress?: ProgressListener): Promise<ImageRecord[]> {
    return (await import('./images.js')).load(this.internals, input, gzip, onProgress);
  }

  /**
   * `push NAME[:TAG]`: the image of that name to its registry (`host[:port]/name`, or Docker Hub),
   * layers the registry has skipped; `onLayer` hears each layer as it is done.
   */
  async push(name: string, onLayer?: (blob: PushedBlob) => void): Promise<PushResult> {
    return (await import('./images.js')).push(this.internals, name, onLayer);
  }

  /** `pull NAME[:TAG]`: from Docker Hub, or `host[:port]/name` from another registry. */
  async pull(name: string, onProgress?: ProgressListener): Promise<ImageRecord> {
    return (await import('./images.js')).pull(this.internals, name, onProgress);
  }

  /**
   * `build`: an image from a Dockerfile and its context, each RUN in a container of this runtime,
   * unchanged steps taken from the build cache (see src/build/build.ts).
   */
  async build(options: BuildOptions): Promise<BuildResult> {
    const { build } = await import('../build/build.js');
    // The image store's lock, shared, for the whole build: a `system check` meanwhile must not take
    // its staging or a layer whose image is not written yet for a killed command's remains.
    return this.images.atWork(() => build(this.internals, options));
  }

  /** `tag SOURCE TARGET`. */
  tagImage(source: string, target: string): ImageRecord {
    return this.images.tagImage(source, target);
  }

  /** `rmi [-f] IMAGE`: refused while a container uses the image, unless `force`. */
  removeImage(ref: string, options: { force?: boolean } = {}): RemovedImage {
    const id = this.images.idOf(ref);
    const { records, broken } = this.containers.scan();
    // A container whose record cannot be read may be running on the image: it counts as a user.
    const usedBy = id === null ? [] : [...records.filter((c) => c.image.id === id).map((c) => c.name), ...broken.map(unreadableContainer)];
    const usedIds = new Set(records.map((c) => c.image.id));
    // A nameless parent (a build's step) goes too, unless a container runs on it (or may: an unreadable record).
    const removed = this.images.remove(ref, { force: options.force ?? false, usedBy, inUse: (image) => broken.length > 0 || usedIds.has(image) });
    // The build cache must not lead to the images deleted.
    if (removed.deleted !== null) forgetImages(this.root.dir, new Set([removed.deleted, ...removed.deletedParents]));
    return removed;
  }

  /** Every image (each name; nameless ones as <none>, a build's intermediate ones only with `all`). */
  listImages(options: { all?: boolean } = {}): ImageSummary[] {
    return this.images.list(options);
  }

  // Networks (networks.ts, and the NetworkStore for the list)

  /** `network create`: a network served by its driver ("bridge" unless a plugin's is named). */
  async createNetwork(spec: Omit<CreateNetworkSpec, 'plugins'>): Promise<NetworkInfo> {
    return (await import('./networks.js')).createNetwork(this.internals, spec);
  }

  /** The networks of this root (the default one once made), oldest first. "host" and "none" are modes, not listed. */
  listNetworks(): NetworkInfo[] {
    return new NetworkStore(path.join(this.root.dir, 'networks')).list().map((r) => r.info);
  }

  /** Why each network that `listNetworks` leaves out cannot be read ("<path>: not valid JSON"). */
  unreadableNetworks(): Array<{ message: string; hint: string | undefined }> {
    return new NetworkStore(path.join(this.root.dir, 'networks')).scan().broken.map((e) => ({ message: e.message, hint: e.hint }));
  }

  /** A network with the addresses its IPAM holds, and the containers holding them. */
  async inspectNetwork(ref: string): Promise<NetworkDetails> {
    return (await import('./networks.js')).inspectNetwork(this.internals, ref);
  }

  /**
   * `network rm`: refused while a container (even a stopped one, which would need it to start
   * again) names it. The default network may be removed too when unused: it is made again on use.
   */
  async removeNetwork(ref: string): Promise<NetworkInfo> {
    return (await import('./networks.js')).removeNetwork(this.internals, ref);
  }

  // Volumes (volumes.ts): kept by the volume drivers plugins register, "local" the built-in's

  /** `volume create`: the volume `name` (a random one when none is given), made unless it exists. */
  async createVolume(options: { name?: string | undefined; driver?: string | undefined } = {}): Promise<VolumeDetails> {
    return (await import('./volumes.js')).createVolume(this.internals, options);
  }

  /** Every volume of every registered driver. */
  async listVolumes(): Promise<VolumeDetails[]> {
    return (await import('./volumes.js')).listVolumes(this.internals);
  }

  /** The volume of that name, or null. */
  async inspectVolume(name: string): Promise<VolumeDetails | null> {
    return (await import('./volumes.js')).inspectVolume(this.internals, name);
  }

  /** `volume rm`: refused (exit 1) while a container, running or not, was given the volume. */
  async removeVolume(name: string): Promise<void> {
    return (await import('./volumes.js')).removeVolume(this.internals, name);
  }
}

export function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  return Runtime.create(options);
}
