// The runtime API: what the CLI drives and what a user's script imports. One Runtime works in one
// state root with one set of plugins (built-ins, the root's config file, then the caller's).
// Start-up is on every command's path: this module loads only the stores; plugins (and tapable),
// the run and exec paths and koffi are loaded by the methods that need them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { Kernel, LifecycleHooks, Plugin } from '../../hooks/index.js';
import { ContainerStore } from '../container/store.js';
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus, type ContainerStatus } from '../container/status.js';
import { endOf } from '../container/exit-file.js';
import { ImageStore, type ImageConfig, type ImageRecord, type ImageSummary, type RemovedImage } from '../image/store.js';
import { libcKernel } from '../kernel/libc.js';
import type { LaunchDeps, StdioTarget } from '../process/launch.js';
import { StateRoot, resolveRoot } from '../state-root.js';
import { MydockerError, NoSuchContainerError, fileError } from '../errors.js';
import type { PluginHost } from './plugin-host.js';
import type { RunDeps, RunSpec, RunningContainer } from './run.js';
import type { ExecProcess, ExecSpec } from './exec.js';
import type { LogEntry } from './logs.js';
import type { ProgressListener } from '../image/count-bytes.js';
import type { NetworkInfo } from '../../hooks/index.js';
import type { CreateNetworkSpec } from '../network/networks.js';
import { NetworkStore } from '../network/store.js';
import { explainingE2big } from '../container/env-size.js';

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
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  command: string[];
  created: string;
  status: ContainerStatus;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The `-p` specs as given. */
  publish: string[];
}

/** A network and the containers attached to it now (with their addresses). */
export interface NetworkDetails extends NetworkInfo {
  containers: Array<{ id: string; name: string; address: string }>;
}

export class Runtime {
  readonly root: StateRoot;
  readonly containers: ContainerStore;
  readonly images: ImageStore;
  private hostInstance: PluginHost | undefined;
  private hostLoading: Promise<PluginHost> | undefined;
  private readonly userPluginFiles: string[] = [];
  private kernelInstance: Kernel | undefined;

  private constructor(
    root: string,
    kernel: Kernel | undefined,
    private readonly options: RuntimeOptions,
  ) {
    this.root = new StateRoot(root);
    this.containers = new ContainerStore(this.root);
    this.images = new ImageStore(this.root, () => this.kernel);
    this.kernelInstance = kernel;
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
      const [{ PluginHost }, { builtinPlugins }, { readConfigFile }] = await Promise.all([
        import('./plugin-host.js'),
        import('../../plugins/index.js'),
        import('./config-file.js'),
      ]);
      const host = new PluginHost(this.root.dir, () => this.kernel);
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

  /** Creates a container and starts its command; see RunningContainer for the rest of its life. */
  async run(spec: RunSpec): Promise<RunningContainer> {
    // A network whose driver a plugin serves needs that plugin (recorded with the network).
    const network = spec.options?.network;
    if (typeof network === 'string') {
      for (const file of new NetworkStore(path.join(this.root.dir, 'networks')).find(network)?.plugins ?? []) await this.use(file);
    }
    const deps = await this.runDeps();
    const { runContainer } = await import('./run.js');
    return explainingE2big(runContainer(deps, { ...spec, plugins: [...(spec.plugins ?? []), ...this.userPluginFiles] }));
  }

  /**
   * Starts a stopped container again, with the same filesystem and configuration. Detached unless
   * `attach` (then stdio is passed through, as for a foreground run). Null if it was running.
   */
  async start(ref: string, options: { attach?: boolean; stdio?: [StdioTarget, StdioTarget, StdioTarget] } = {}): Promise<RunningContainer | null> {
    const found = this.containers.resolve(ref);
    await this.usePluginsOf(found);
    const deps = await this.runDeps();
    const [{ requireShim, startContainer }, { withContainerLock }, { releaseContainer }] = await Promise.all([
      import('./run.js'),
      import('../container/lock.js'),
      import('./release.js'),
    ]);
    const attach = options.attach ?? false;
    if (!attach) requireShim(deps, found.tty);
    const starting = withContainerLock(this.kernel, this.containers.dir(found.id), async () => {
      if (!this.containers.exists(found.id)) throw new NoSuchContainerError(ref);
      const record = this.containers.load(found.id);
      if (deriveStatus(record) === 'running') return null;
      // Whatever the last run left mounted (its runtime may have died) is released first.
      if (record.rootfs !== null) await releaseContainer(deps, record, { remove: false });
      const image = this.images.find(record.image.id);
      if (!image) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
      return startContainer(deps, record, image, { detach: !attach, stdio: options.stdio, created: false });
    });
    return explainingE2big(starting);
  }

  /**
   * Waits until whoever ran a container that has ended (its foreground `run`, or its shim's cleanup)
   * has recorded the end and released it, so that it can be started again.
   */
  async waitReleased(ref: string, timeoutMs = 10_000): Promise<void> {
    const id = this.containers.resolve(ref).id;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.containers.exists(id)) return;
      const record = this.containers.load(id);
      if (deriveStatus(record) !== 'running' && (record.rootfs === null || record.state.status === 'exited')) break;
      if (Date.now() > deadline) return; // start releases what is left itself
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The releaser marks the end and releases under the container's lock: holding it means it is done.
    const { withContainerLock } = await import('../container/lock.js');
    await withContainerLock(this.kernel, this.containers.dir(id), async () => {});
  }

  /**
   * Removes a container by name, ID or ID prefix; `force` kills a running one first, `volumes`
   * removes its anonymous volumes too.
   */
  async remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const record = this.containers.resolve(ref);
    await this.usePluginsOf(record);
    const { removeContainer } = await import('./remove.js');
    await removeContainer(await this.runDeps(), record, { force: options.force ?? false, volumes: options.volumes ?? false });
  }

  /** Starts a process inside a running container (the enterNamespace hook joins it). */
  async exec(ref: string, spec: ExecSpec): Promise<ExecProcess> {
    const record = this.containers.resolve(ref);
    await this.usePluginsOf(record);
    const host = await this.host();
    const [{ execInContainer }, { spawn }, { sealedInit }] = await Promise.all([import('./exec.js'), import('node:child_process'), import('../process/init-binary.js')]);
    const kernel = this.kernel;
    const deps = { host, kernel, stateDir: this.containers.dir(record.id), spawn, initFd: sealedInit(kernel), seccompCache: path.join(this.root.dir, 'cache', 'seccomp') };
    return explainingE2big(execInContainer(deps, record, spec));
  }

  /**
   * SIGTERM, then SIGKILL after `timeout` seconds (default 10). A stopped container is fine.
   * Resolves once the container has been released too (its network, cgroups and mounts), as
   * Docker's stop does, by whichever process releases it.
   */
  async stop(ref: string, options: { timeout?: number } = {}): Promise<void> {
    const { stopContainer } = await import('./stop.js');
    const record = this.containers.resolve(ref);
    await stopContainer(record, options.timeout ?? 10);
    await this.waitReleased(record.id);
  }

  /** Sends a signal (default SIGKILL) to a running container's PID 1. */
  async kill(ref: string, signal: NodeJS.Signals | number = 'SIGKILL'): Promise<void> {
    const { killContainer } = await import('./stop.js');
    killContainer(this.containers.resolve(ref), signal);
  }

  async inspect(ref: string): Promise<Record<string, unknown>> {
    const { inspectContainer } = await import('./inspect.js');
    const record = this.containers.resolve(ref);
    return inspectContainer(record, {
      stateDir: this.containers.dir(record.id),
      storageDir: path.join(this.root.storage(record.storageDriver), record.id),
      layers: (this.images.find(record.image.id)?.layers ?? []).map((l) => this.images.layerDir(l)).reverse(),
    });
  }

  /** A detached container's output, oldest first; with `follow`, until the container ends. */
  async logs(ref: string, options: { tail?: number; follow?: boolean } = {}): Promise<AsyncGenerator<LogEntry>> {
    const { readLog } = await import('./logs.js');
    const record = this.containers.resolve(ref);
    if (!record.detached) {
      throw new MydockerError(`container ${record.name} ran in the foreground: its output went to the terminal, not to a log`, {
        hint: 'run it with -d to keep a log',
      });
    }
    const running = (): boolean => this.containers.exists(record.id) && deriveStatus(this.containers.load(record.id)) === 'running';
    return readLog(record.detached.log, { ...options, running });
  }

  /** Records how a detached container ended and releases it (what its shim runs at the end). */
  async cleanup(id: string): Promise<void> {
    if (!this.containers.exists(id)) return;
    await this.usePluginsOf(this.containers.load(id));
    const { cleanupContainer } = await import('./cleanup.js');
    await cleanupContainer(await this.runDeps(), id);
  }

  /** Removes every container that is not running; returns their IDs. */
  async prune(): Promise<string[]> {
    const removed: string[] = [];
    for (const record of this.containers.list()) {
      if (deriveStatus(record) === 'running') continue;
      try {
        await this.remove(record.id);
        removed.push(record.id);
      } catch (error) {
        // Started or removed meanwhile by someone else: not ours to prune.
        if (!(error instanceof MydockerError) || error.exitCode !== 1) throw error;
      }
    }
    return removed;
  }

  /** A container's hooks belong to the plugins it was created with: load them again. */
  private async usePluginsOf(record: ContainerRecord): Promise<void> {
    for (const file of record.plugins) {
      if (!fs.existsSync(file)) {
        throw new MydockerError(`container ${record.name} was created with plugin ${file}, which is gone`, {
          hint: 'restore the file so that its hooks can run, then try again',
        });
      }
      await this.use(file);
    }
  }

  listContainers(): ContainerSummary[] {
    return this.containers.list().map((r: ContainerRecord) => ({
      id: r.id,
      name: r.name,
      image: r.image.ref,
      command: r.command,
      created: r.created,
      status: deriveStatus(r),
      ...endOf(r),
      startedAt: r.state.startedAt,
      publish: Array.isArray(r.options.publish) ? r.options.publish.map(String) : [],
    }));
  }

  /** Imports a rootfs tarball (plain or gzip, docker export style) as an image. */
  async importImage(file: string, ref: string, config: ImageConfig = {}, onProgress?: ProgressListener): Promise<ImageRecord> {
    const { isGzipFile } = await import('../image/gzip.js');
    const gzip = isGzipFile(file); // refuses a missing file, a directory, a device, in a sentence
    return this.images.importTar(await this.fileInput(file, onProgress), gzip, ref, config, `import ${path.basename(file)}`);
  }

  /** A file as a stream, reporting progress against its size when asked to. */
  private async fileInput(file: string, onProgress?: ProgressListener): Promise<Readable> {
    const stream = fs.createReadStream(file) as Readable;
    if (!onProgress) return stream;
    const { countingStream } = await import('../image/count-bytes.js');
    return stream.pipe(countingStream(fs.statSync(file).size, onProgress));
  }

  /**
   * `commit`: the container's own layer becomes one new layer on top of its image's (the image's
   * layers are not copied), with the container's command, environment and working directory as the
   * new image's defaults. Deletions made in the container are carried as whiteouts.
   */
  async commit(ref: string, imageRef: string | null): Promise<ImageRecord> {
    const record = this.containers.resolve(ref);
    const { normalizeRef } = await import('../image/store.js');
    const target = imageRef === null ? null : normalizeRef(imageRef);
    const parent = this.images.find(record.image.id);
    if (!parent) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
    const deps = await this.runDeps();
    const [{ storageContext }, { stageChanges }, tar] = await Promise.all([import('./release.js'), import('../image/stage-changes.js'), import('tar')]);
    const driver = deps.host.storageDriver(record.storageDriver);
    const changes = driver.changes(storageContext(deps, record, []));
    fs.mkdirSync(this.root.tmp, { recursive: true, mode: 0o700 });
    const staging = fs.mkdtempSync(path.join(this.root.tmp, 'commit-'));
    try {
      stageChanges(changes.dir, staging, this.kernel, changes.whiteouts);
      // sync: tar's asynchronous packer was seen to stall on some trees. No change at all is an
      // empty layer (two zero blocks), which tar.create refuses to write for no paths.
      const entries = fs.readdirSync(staging);
      const stream = entries.length === 0 ? (await import('node:stream')).Readable.from([Buffer.alloc(1024)]) : tar.create({ cwd: staging, portable: false, sync: true }, entries);
      const layer = await this.images.addLayer(stream as unknown as Readable, false);
      const config: ImageConfig = {
        ...parent.config,
        Env: record.env.filter((e) => !e.startsWith('HOSTNAME=')),
        Cmd: record.command,
        Entrypoint: undefined,
        WorkingDir: record.workdir,
      };
      return await this.images.addImage({ parent, layer, config, ref: target, createdBy: `commit ${record.name}: ${record.command.join(' ')}` });
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * `save`: images as one tar archive in Docker's format (`docker load` reads it). `refs` may name
   * images by name (saved under that name) or ID (saved under all its names).
   */
  async save(refs: string[]): Promise<NodeJS.ReadableStream> {
    const [{ stageSave, saveStaging }, tar, { normalizeRef }] = await Promise.all([import('../image/save.js'), import('tar'), import('../image/store.js')]);
    const saved = refs.map((ref) => {
      const image = this.images.find(ref);
      if (!image) throw new MydockerError(`no such image: ${ref}`, { exitCode: 1 });
      const byId = image.id.replace(/^sha256:/, '').startsWith(ref.replace(/^sha256:/, ''));
      const tags = byId ? this.images.list().filter((i) => i.id === image.id).map((i) => `${i.repository}:${i.tag}`) : [normalizeRef(ref)];
      return { image, tags };
    });
    const staging = saveStaging(this.root);
    try {
      const entries = stageSave(this.images, saved, staging);
      // Packed synchronously into memory-free chunks as read; the staging goes when it is done.
      const stream = tar.create({ cwd: staging, portable: true, sync: true }, entries);
      const remove = (): void => fs.rmSync(staging, { recursive: true, force: true });
      stream.on('end', remove);
      stream.on('error', remove);
      return stream as unknown as NodeJS.ReadableStream;
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** `load`: images from a `docker save` archive or an OCI image layout (plain or gzip tar). */
  async load(input: Readable, gzip: boolean, onProgress?: ProgressListener): Promise<ImageRecord[]> {
    const { loadArchive } = await import('../image/load.js');
    if (onProgress) input = input.pipe((await import('../image/count-bytes.js')).countingStream(null, onProgress));
    fs.mkdirSync(this.root.tmp, { recursive: true, mode: 0o700 });
    const staging = fs.mkdtempSync(path.join(this.root.tmp, 'load-'));
    try {
      return await loadArchive(this.images, input, gzip, staging);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** `pull NAME[:TAG]`: from Docker Hub, or `host[:port]/name` from another registry. */
  async pull(name: string, onProgress?: ProgressListener): Promise<ImageRecord> {
    const { pullImage } = await import('../image/pull.js');
    return pullImage(this.images, name, fetch, onProgress);
  }

  /** `tag SOURCE TARGET`. */
  tagImage(source: string, target: string): ImageRecord {
    return this.images.tagImage(source, target);
  }

  /** `rmi [-f] IMAGE`: refused while a container uses the image, unless `force`. */
  removeImage(ref: string, options: { force?: boolean } = {}): RemovedImage {
    const image = this.images.find(ref);
    const usedBy = image ? this.containers.list().filter((c) => c.image.id === image.id).map((c) => c.name) : [];
    return this.images.remove(ref, { force: options.force ?? false, usedBy });
  }

  /**
   * `export`: the container's filesystem as one tar stream (its layers flattened, deletions
   * applied), as `docker export` writes it and `import` reads it. A stopped container's root is
   * mounted for the time of the export.
   */
  async exportContainer(ref: string): Promise<NodeJS.ReadableStream> {
    const record = this.containers.resolve(ref);
    const deps = await this.runDeps();
    const image = this.images.find(record.image.id);
    if (!image) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
    const [{ storageContext }, tar] = await Promise.all([import('./release.js'), import('tar')]);
    const driver = deps.host.storageDriver(record.storageDriver);
    const ctx = storageContext(deps, record, image.layers.map((l) => this.images.layerDir(l)).reverse());
    const mountedHere = record.rootfs === null;
    const rootfs = mountedHere ? await driver.mount(ctx) : record.rootfs!;
    // Mount points of the container (/proc, /dev, /sys) are empty directories in its layer.
    const stream = tar.create({ cwd: rootfs, portable: false, preservePaths: false }, fs.readdirSync(rootfs));
    if (mountedHere) {
      const unmount = (): void => void driver.unmount(ctx).catch(() => {});
      stream.on('end', unmount);
      stream.on('error', unmount);
    }
    return stream as unknown as NodeJS.ReadableStream;
  }

  /** `network create`: a network served by its driver ("bridge" unless a plugin's is named). */
  async createNetwork(spec: Omit<CreateNetworkSpec, 'plugins'>): Promise<NetworkInfo> {
    const host = await this.host();
    return host.networks.create({ ...spec, plugins: [...this.userPluginFiles] });
  }

  /** The networks of this root (the default one once made), oldest first. "host" and "none" are modes, not listed. */
  listNetworks(): NetworkInfo[] {
    return new NetworkStore(path.join(this.root.dir, 'networks')).list().map((r) => r.info);
  }

  /** A network with the addresses its IPAM holds, and the containers holding them. */
  async inspectNetwork(ref: string): Promise<NetworkDetails> {
    const store = new NetworkStore(path.join(this.root.dir, 'networks'));
    const record = store.find(ref);
    if (!record) throw new MydockerError(`no such network: ${ref}`, { exitCode: 1 });
    const { BitmapIpam } = await import('../network/ipam.js');
    const allocated = await new BitmapIpam(store.dir, this.kernel).allocated(record.info);
    const names = new Map(this.containers.list().map((c) => [c.id, c.name]));
    return {
      ...record.info,
      // Every address the IPAM holds: an owner that is no container any more shows as a leak, unnamed.
      containers: allocated.map((a) => ({ id: a.owner, name: names.get(a.owner) ?? '', address: a.address })),
    };
  }

  /**
   * `network rm`: refused while a container (even a stopped one, which would need it to start
   * again) names it. The default network may be removed too when unused: it is made again on use.
   */
  async removeNetwork(ref: string): Promise<NetworkInfo> {
    const record = new NetworkStore(path.join(this.root.dir, 'networks')).find(ref);
    for (const file of record?.plugins ?? []) if (fs.existsSync(file)) await this.use(file);
    const host = await this.host();
    const { networkRef } = await import('../network/options.js');
    return host.networks.remove(ref, (network) => {
      // Each container's --net resolved as its run resolved it (name, ID or prefix), once per name.
      const resolved = new Map<string, string | undefined>();
      const idOf = (name: string) => (resolved.has(name) ? resolved.get(name) : resolved.set(name, host.networks.find(name)?.id).get(name));
      return this.containers
        .list()
        .filter((c) => {
          const name = networkRef(c.options);
          return name !== null && idOf(name) === network.id;
        })
        .map((c) => c.name);
    });
  }

  listImages(): ImageSummary[] {
    return this.images.list();
  }

  private async runDeps(): Promise<RunDeps> {
    const host = await this.host();
    const { spawn, spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const [{ sealedInit }, { hostDevices }] = await Promise.all([import('../process/init-binary.js'), import('../process/confine-mounts.js')]);
    const kernel = this.kernel;
    return {
      root: this.root,
      host,
      kernel,
      containers: this.containers,
      images: this.images,
      launchDeps: (): LaunchDeps => ({ kernel, spawn, spawnSync, initFd: sealedInit(kernel), hostDevices }),
      seccompCache: path.join(this.root.dir, 'cache', 'seccomp'),
      detached: {
        shim: fileURLToPath(new URL('../../shim/mydocker-shim', import.meta.url)),
        cleanup: (id) => [process.execPath, fileURLToPath(new URL('../cli/main.js', import.meta.url)), '--root', this.root.dir, 'cleanup', id],
      },
    };
  }
}


export function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  return Runtime.create(options);
}
