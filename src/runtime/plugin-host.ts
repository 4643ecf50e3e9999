// Owns the lifecycle hooks and the plugins tapped into them. Runs in every process that runs hooks.
// The hooks are made from the one table of hooks/lifecycle.ts. Each tap is wrapped once, when it
// registers:
//   - it receives the context plus `state`, its own record in the container's saved plugin state;
//   - a check or setup hook's throw becomes a PluginError naming the tap and the hook;
//   - a teardown hook's throw is collected in ctx.errors and the next tap still runs (best effort).
// The registries the plugins fill (storage, network and volume drivers, stats providers, inspect
// sections) are here too: the runtime reaches plugins only through them and the hooks.
// With a trace sink (`--trace`), every tap, hook call, apply and driver call is also traced
// (hook-trace.ts); without one, no tracing code is installed.
import { createRequire } from 'node:module';
import type * as Tapable from 'tapable';
import { fileURLToPath } from 'node:url';
import { HOOKS, HOOK_NAMES, type HookKind, type HookName, type HookRole } from '../../hooks/index.js';
import type {
  ContainerInfo,
  ContainerStats,
  InspectFields,
  JsonValue,
  Kernel,
  LifecycleHooks,
  NetworkDriver,
  Plugin,
  PluginApi,
  PluginState,
  StatsProvider,
  StorageDriver,
  VolumeDriver,
  Volumes,
  VolumeUser,
} from '../../hooks/index.js';
import { MydockerError, PluginError } from '../errors.js';
import type { NetworkManager } from '../network/networks.js';
import { traceHook, traced, tracedDriver, type TraceSink } from './hook-trace.js';

/** The tapable class of each kind of hook in the table (hooks/lifecycle.ts). */
type HookClass = new (args: string[], name: string) => AnyHook;
// Only the two hook classes: tapable's index loads every class (~16 ms on this machine).
const requireCjs = createRequire(import.meta.url);
const HOOK_CLASSES: Record<HookKind, HookClass> = {
  sync: requireCjs('tapable/lib/SyncHook.js') as HookClass,
  'async-series': requireCjs('tapable/lib/AsyncSeriesHook.js') as HookClass,
};

/** Hidden on every context: the container's per-tap state, so a wrapped tap can find its own. */
export const PLUGIN_STATES = Symbol('mydocker.pluginStates');

export interface BaseContext {
  [PLUGIN_STATES]?: Record<string, PluginState>;
  errors?: Error[];
}

export interface PluginHostOptions {
  /** Receives a line per tap, hook call, plugin apply and driver call (see hook-trace.ts). */
  trace?: TraceSink | undefined;
  /** Where mydocker's native programs are (default: dist/shim, beside this build). */
  shimDir?: string;
  /**
   * The state root's network registry (host-networks.ts: stateRootNetworks). Given by every host
   * but mydocker-runc's `delete` without a user's plugin, whose built-ins use none: its small
   * program then holds none of the network modules. Without it, a use of `networks` throws.
   */
  networks?: NetworksFactory;
}

/** Makes a host's network registry: `kernel` as the host was given it; drivers and containers found through `host`. */
export type NetworksFactory = (host: PluginHost, kernel: () => Kernel) => NetworkManager;

/** dist/shim, from dist/src/runtime/ (or from the bundle in dist/src/cli/: the same depth). */
const SHIM_DIR = fileURLToPath(new URL('../../shim/', import.meta.url));

export class PluginHost {
  readonly hooks: LifecycleHooks;
  private readonly drivers = new Map<string, StorageDriver>();
  private readonly networkDrivers = new Map<string, NetworkDriver>();
  private readonly volumeDrivers = new Map<string, VolumeDriver>();
  private readonly volumeUsers: Array<(containers: Iterable<VolumeUser>, name: string) => string[]> = [];
  private readonly statsProviders: Array<{ plugin: string; provider: StatsProvider }> = [];
  private readonly inspectSections: Array<{ plugin: string; section: string; fields: InspectFields }> = [];
  private readonly plugins: Plugin[] = [];
  /** The state root's networks, served by the registered network drivers (see PluginHostOptions.networks). */
  readonly networks: NetworkManager;
  /** The registered volume drivers and their volumes. */
  readonly volumes: Volumes = {
    driver: (name) => this.volumeDriver(name),
    find: async (name) => {
      for (const driver of this.volumeDrivers.values()) {
        const volume = await driver.get(name);
        if (volume) return { driver, volume };
      }
      return null;
    },
    addUsers: (users) => {
      this.volumeUsers.push(users);
    },
    usedBy: (driver, containers, name) => {
      const all = [...containers];
      const names = [...this.volumeUsers.map((users) => users(all, name)), driver.usedBy?.(all, name) ?? []].flat();
      return [...new Set(names)];
    },
  };
  private readonly trace: TraceSink | undefined;
  private readonly shimDir: string;

  constructor(
    readonly root: string,
    kernel: () => Kernel = noKernel,
    options: PluginHostOptions = {},
  ) {
    this.trace = options.trace;
    this.shimDir = options.shimDir ?? SHIM_DIR;
    this.networks = options.networks ? options.networks(this, kernel) : noNetworks();
    const hooks = {} as Record<HookName, AnyHook>;
    for (const name of HOOK_NAMES) {
      const { kind, role } = HOOKS[name];
      const hook = new HOOK_CLASSES[kind](['ctx'], name);
      hook.intercept({ register: (tap) => wrapTap(name, role, tap) });
      // After the wrapping above: the trace times each tap as wrapped, its failure attributed.
      if (this.trace) traceHook(name, hook, this.trace);
      hooks[name] = hook;
    }
    // Each hook's class is its table entry's kind, which is what LifecycleHooks says of it.
    this.hooks = Object.freeze(hooks) as unknown as LifecycleHooks;
  }

  /** Applies a plugin. A throw from its apply() is reported as that plugin's. */
  async use(plugin: Plugin): Promise<void> {
    if (this.plugins.some((p) => p.name === plugin.name)) return;
    const api: PluginApi = {
      hooks: this.hooks,
      root: this.root,
      shimDir: this.shimDir,
      registerStorageDriver: (driver) => {
        if (this.drivers.has(driver.name)) throw new MydockerError(`storage driver "${driver.name}" is registered twice`);
        // Every use of a driver goes through storageDriver(): traced once here, it is traced everywhere.
        this.drivers.set(driver.name, this.trace ? tracedDriver(driver, plugin.name, this.trace) : driver);
      },
      registerNetworkDriver: (driver) => {
        if (this.networkDrivers.has(driver.name)) throw new MydockerError(`network driver "${driver.name}" is registered twice`);
        this.networkDrivers.set(driver.name, this.trace ? tracedDriver(driver, plugin.name, this.trace) : driver);
      },
      registerVolumeDriver: (driver) => {
        if (this.volumeDrivers.has(driver.name)) throw new MydockerError(`volume driver "${driver.name}" is registered twice`);
        this.volumeDrivers.set(driver.name, this.trace ? tracedDriver(driver, plugin.name, this.trace) : driver);
      },
      registerStatsProvider: (provider) => {
        this.statsProviders.push({ plugin: plugin.name, provider });
      },
      registerInspectSection: (section, fields) => {
        this.inspectSections.push({ plugin: plugin.name, section, fields });
      },
      networks: this.networks,
      volumes: this.volumes,
    };
    const trace = this.trace;
    try {
      await (trace ? traced(trace, 'apply', plugin.name, () => plugin.apply(api)) : plugin.apply(api));
    } catch (error) {
      throw attributed(plugin.name, 'apply', error);
    }
    this.plugins.push(plugin);
  }

  networkDriver(name: string): NetworkDriver {
    return registered(this.networkDrivers, 'network', name, PLUGIN_HINT);
  }

  volumeDriver(name: string): VolumeDriver {
    return registered(this.volumeDrivers, 'volume', name, PLUGIN_HINT);
  }

  /** Every volume driver, in the order registered ("local" first). */
  allVolumeDrivers(): VolumeDriver[] {
    return [...this.volumeDrivers.values()];
  }

  /**
   * A running container's usage from the first stats provider that can tell, each given the state
   * its plugin saved. A provider's throw is reported as its plugin's.
   */
  async stats(container: ContainerInfo, states: Readonly<Record<string, PluginState | undefined>>): Promise<ContainerStats | null> {
    for (const { plugin, provider } of this.statsProviders) {
      const ctx = { container, state: states[plugin] ?? {} };
      const read = () => provider.readStats(ctx);
      try {
        const stats = await (this.trace ? traced(this.trace, 'readStats', plugin, read) : read());
        if (stats) return stats;
      } catch (error) {
        throw attributed(plugin, 'readStats', error);
      }
    }
    return null;
  }

  /** What the plugins add to a container's inspect output: [section, fields], in registration order. */
  inspectSectionsOf(container: ContainerInfo, states: Readonly<Record<string, PluginState | undefined>>, running: boolean): Array<[string, Record<string, JsonValue>]> {
    const out: Array<[string, Record<string, JsonValue>]> = [];
    for (const { plugin, section, fields } of this.inspectSections) {
      const ctx = { container, state: states[plugin] ?? {}, running };
      const read = () => fields(ctx);
      try {
        const added = this.trace ? traced(this.trace, `inspect.${section}`, plugin, read) : read();
        if (added) out.push([section, added]);
      } catch (error) {
        throw attributed(plugin, 'inspect', error);
      }
    }
    return out;
  }

  has(name: string): boolean {
    return this.plugins.some((p) => p.name === name);
  }

  /** What is loaded, for `info`: the plugins' names and the drivers they registered, in order. */
  loaded(): { plugins: string[]; storage: string[]; network: string[]; volume: string[] } {
    return { plugins: this.plugins.map((p) => p.name), storage: [...this.drivers.keys()], network: [...this.networkDrivers.keys()], volume: [...this.volumeDrivers.keys()] };
  }

  storageDriver(name: string): StorageDriver {
    return registered(this.drivers, 'storage', name, '');
  }

  /** The registered storage drivers' names. */
  storageDriverNames(): string[] {
    return [...this.drivers.keys()];
  }
}

const PLUGIN_HINT = "; a plugin's driver needs its plugin loaded (--plugin FILE)";

/** A registered driver by name, or one line naming those there are. */
function registered<D>(drivers: ReadonlyMap<string, D>, kind: string, name: string, hint: string): D {
  const driver = drivers.get(name);
  if (driver === undefined) {
    throw new MydockerError(`unknown ${kind} driver "${name}"`, { hint: `available: ${[...drivers.keys()].join(', ') || 'none'}${hint}` });
  }
  return driver;
}

/** The registry of a host made without one: any use is a bug of its maker, named as such. */
function noNetworks(): NetworkManager {
  return new Proxy({} as NetworkManager, {
    get: (_target, name) => {
      // Asked by await (then) and by inspection (symbols): no registry to answer with.
      if (typeof name === 'symbol' || name === 'then') return undefined;
      throw new MydockerError(`this plugin host was made without a network registry (networks.${name})`);
    },
  });
}

function noKernel(): Kernel {
  throw new MydockerError('this plugin host was made without a kernel, and networks need one');
}

type AnyHook = Tapable.Hook<unknown[], unknown>;
type AnyTap = Tapable.FullTap & { fn: (...args: unknown[]) => unknown };

/**
 * A throw as its plugin's: names the tap and the hook, keeps the original as the cause, and its
 * hint (a PluginFailure's of hooks/errors.ts, or a MydockerError's), which the CLI prints.
 */
function attributed(plugin: string, hook: string, error: unknown): PluginError {
  if (error instanceof PluginError) return error;
  const wrapped = new PluginError(plugin, hook, error);
  // By property, not class: a plugin loaded from a file may hold its own copy of hooks/errors.ts.
  const hint = (error as { hint?: unknown } | null | undefined)?.hint;
  if (typeof hint === 'string' && hint !== '') Object.defineProperty(wrapped, 'hint', { value: hint });
  return wrapped;
}

function wrapTap(hookName: HookName, role: HookRole, tap: Tapable.FullTap): Tapable.FullTap {
  const original = (tap as AnyTap).fn;
  const teardown = role === 'teardown';
  const scoped = (ctx: BaseContext): unknown => {
    const states = ctx[PLUGIN_STATES];
    if (states === undefined) return ctx; // checkOptions: no container, no state yet
    const state = (states[tap.name] ??= {});
    return Object.create(ctx as object, { state: { value: state, enumerable: true } });
  };
  const fail = (ctx: BaseContext, error: unknown): void => {
    const wrapped = attributed(tap.name, hookName, error);
    if (!teardown) throw wrapped;
    (ctx.errors ??= []).push(wrapped);
  };
  let fn: (...args: unknown[]) => unknown;
  if (tap.type === 'promise') {
    fn = async (ctx) => {
      try {
        return await original(scoped(ctx as BaseContext));
      } catch (error) {
        fail(ctx as BaseContext, error);
      }
    };
  } else if (tap.type === 'async') {
    fn = (ctx, callback) => {
      const done = callback as (error?: unknown) => void;
      try {
        original(scoped(ctx as BaseContext), (error?: unknown) => {
          if (error) {
            try {
              fail(ctx as BaseContext, error);
            } catch (wrapped) {
              return done(wrapped);
            }
          }
          done();
        });
      } catch (error) {
        try {
          fail(ctx as BaseContext, error);
        } catch (wrapped) {
          return done(wrapped);
        }
        done();
      }
    };
  } else {
    fn = (ctx) => {
      try {
        return original(scoped(ctx as BaseContext));
      } catch (error) {
        fail(ctx as BaseContext, error);
      }
    };
  }
  return { ...tap, fn } as Tapable.FullTap;
}
