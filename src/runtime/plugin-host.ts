// Owns the lifecycle hooks and the plugins tapped into them. Runs in every process that runs hooks.
// Each tap is wrapped once, when it registers:
//   - it receives the context plus `state`, its own record in the container's saved plugin state;
//   - a setup hook's throw becomes a PluginError naming the tap and the hook;
//   - a teardown hook's throw is collected in ctx.errors and the next tap still runs (best effort).
import { createRequire } from 'node:module';
import type * as Tapable from 'tapable';
import * as path from 'node:path';
import type { Kernel, LifecycleHooks, NetworkDriver, Plugin, PluginApi, PluginState, StorageDriver } from '../../hooks/index.js';
import { MydockerError, PluginError } from '../errors.js';
import { NetworkManager } from '../network/networks.js';

// Only the two hook classes: tapable's index loads every class (~16 ms on this machine).
const requireCjs = createRequire(import.meta.url);
const AsyncSeriesHook = requireCjs('tapable/lib/AsyncSeriesHook.js') as typeof Tapable.AsyncSeriesHook;
const SyncHook = requireCjs('tapable/lib/SyncHook.js') as typeof Tapable.SyncHook;

/** Hidden on every context: the container's per-tap state, so a wrapped tap can find its own. */
export const PLUGIN_STATES = Symbol('mydocker.pluginStates');

export interface BaseContext {
  [PLUGIN_STATES]?: Record<string, PluginState>;
  errors?: Error[];
}

const TEARDOWN_HOOKS = new Set(['releaseRootfs', 'releaseCgroups', 'teardownNetwork']);

export class PluginHost {
  readonly hooks: LifecycleHooks;
  private readonly drivers = new Map<string, StorageDriver>();
  private readonly networkDrivers = new Map<string, NetworkDriver>();
  private readonly plugins: Plugin[] = [];
  /** The state root's networks, served by the registered network drivers. */
  readonly networks: NetworkManager;

  constructor(
    readonly root: string,
    kernel: () => Kernel = noKernel,
  ) {
    this.networks = new NetworkManager(path.join(root, 'networks'), { kernel, driver: (name) => this.networkDriver(name) });
    const hooks = {
      checkOptions: new SyncHook(['ctx']),
      prepareRootfs: new AsyncSeriesHook(['ctx']),
      releaseRootfs: new AsyncSeriesHook(['ctx']),
      applyCgroups: new AsyncSeriesHook(['ctx']),
      releaseCgroups: new AsyncSeriesHook(['ctx']),
      setupNetwork: new AsyncSeriesHook(['ctx']),
      teardownNetwork: new AsyncSeriesHook(['ctx']),
      enterNamespace: new SyncHook(['ctx']),
    };
    for (const [name, hook] of Object.entries(hooks)) {
      (hook as Tapable.Hook<unknown[], unknown>).intercept({ register: (tap) => wrapTap(name, tap) });
    }
    this.hooks = Object.freeze(hooks) as unknown as LifecycleHooks;
  }

  /** Applies a plugin. A throw from its apply() is reported as that plugin's. */
  async use(plugin: Plugin): Promise<void> {
    if (this.plugins.some((p) => p.name === plugin.name)) return;
    const api: PluginApi = {
      hooks: this.hooks,
      root: this.root,
      registerStorageDriver: (driver) => {
        if (this.drivers.has(driver.name)) throw new MydockerError(`storage driver "${driver.name}" is registered twice`);
        this.drivers.set(driver.name, driver);
      },
      registerNetworkDriver: (driver) => {
        if (this.networkDrivers.has(driver.name)) throw new MydockerError(`network driver "${driver.name}" is registered twice`);
        this.networkDrivers.set(driver.name, driver);
      },
      networks: this.networks,
    };
    try {
      await plugin.apply(api);
    } catch (error) {
      throw new PluginError(plugin.name, 'apply', error);
    }
    this.plugins.push(plugin);
  }

  networkDriver(name: string): NetworkDriver {
    const driver = this.networkDrivers.get(name);
    if (!driver) {
      throw new MydockerError(`unknown network driver "${name}"`, {
        hint: `available: ${[...this.networkDrivers.keys()].join(', ') || 'none'}; a plugin's driver needs its plugin loaded (--plugin FILE)`,
      });
    }
    return driver;
  }

  has(name: string): boolean {
    return this.plugins.some((p) => p.name === name);
  }

  storageDriver(name: string): StorageDriver {
    const driver = this.drivers.get(name);
    if (!driver) {
      throw new MydockerError(`unknown storage driver "${name}"`, { hint: `available: ${[...this.drivers.keys()].join(', ') || 'none'}` });
    }
    return driver;
  }
}

function noKernel(): Kernel {
  throw new MydockerError('this plugin host was made without a kernel, and networks need one');
}

type AnyTap = Tapable.FullTap & { fn: (...args: unknown[]) => unknown };

function wrapTap(hookName: string, tap: Tapable.FullTap): Tapable.FullTap {
  const original = (tap as AnyTap).fn;
  const teardown = TEARDOWN_HOOKS.has(hookName);
  const scoped = (ctx: BaseContext): unknown => {
    const states = ctx[PLUGIN_STATES];
    if (states === undefined) return ctx; // checkOptions: no container, no state yet
    const state = (states[tap.name] ??= {});
    return Object.create(ctx as object, { state: { value: state, enumerable: true } });
  };
  const fail = (ctx: BaseContext, error: unknown): void => {
    const wrapped = error instanceof PluginError ? error : new PluginError(tap.name, hookName, error);
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
