import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { hookContext } from '../../src/runtime/contexts.js';
import { MydockerError, PluginError } from '../../src/errors.js';
import { HOOKS, HOOK_NAMES, PluginFailure, type StorageDriver, type TeardownContext } from '../../hooks/index.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';

function rootfsCtx(record = makeRecord()) {
  return hookContext(record, '/state/dir', new FakeKernel(), { rootfs: '/rootfs', layers: ['/l1'] });
}

function teardownCtx(record = makeRecord(), errors: Error[] = []) {
  return hookContext(record, '/state/dir', new FakeKernel(), { pid: null, errors });
}

function isPluginError(plugin: string, hook: string, message: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof PluginError, `expected PluginError, got ${String(e)}`);
    assert.equal(e.plugin, plugin);
    assert.equal(e.hook, hook);
    assert.match(e.message, message);
    assert.equal(e.exitCode, 125);
    return true;
  };
}

function driver(name: string): StorageDriver {
  return {
    name,
    unsupportedReason: () => null,
    changes: () => ({ dir: '/upper', whiteouts: 'overlay' }),
    mount: async () => '/merged',
    unmount: async () => {},
    remove: async () => {},
  };
}

describe('PluginHost hooks', () => {
  it('makes one hook per entry of the table (hooks/lifecycle.ts), of its kind', async () => {
    const host = new PluginHost('/root');
    assert.deepEqual(Object.keys(host.hooks), [...HOOK_NAMES]);
    for (const name of HOOK_NAMES) {
      const hook = host.hooks[name] as unknown as { tapPromise(name: string, fn: () => Promise<void>): void; promise?: unknown };
      if (HOOKS[name].kind === 'sync') {
        assert.throws(() => hook.tapPromise('x', async () => {}), /not supported/, `${name} is synchronous`);
      } else {
        assert.equal(typeof hook.promise, 'function', `${name} is awaited`);
      }
    }
  });

  it("a tap's PluginFailure keeps its hint once attributed to the tap and the hook", async () => {
    const host = new PluginHost('/root');
    host.hooks.prepareRootfs.tapPromise('vols', async () => {
      throw new PluginFailure('no such volume: data', { hint: 'see: mydocker volume ls' });
    });
    await assert.rejects(host.hooks.prepareRootfs.promise(rootfsCtx()), (e: unknown) => {
      isPluginError('vols', 'prepareRootfs', /no such volume: data/)(e);
      assert.equal((e as PluginError).hint, 'see: mydocker volume ls');
      return true;
    });
  });

  it('runs taps in registration order, whatever their style', async () => {
    const host = new PluginHost('/root');
    const order: string[] = [];
    host.hooks.prepareRootfs.tap('a', () => void order.push('a'));
    host.hooks.prepareRootfs.tapPromise('b', async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('b');
    });
    host.hooks.prepareRootfs.tapAsync('c', (_ctx, cb) => {
      setImmediate(() => {
        order.push('c');
        cb();
      });
    });
    host.hooks.prepareRootfs.tap('d', () => void order.push('d'));
    await host.hooks.prepareRootfs.promise(rootfsCtx());
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
  });

  it('gives every tap its own state, kept in the record under the tap name', async () => {
    const record = makeRecord({ pluginState: { b: { earlier: true } } });
    const host = new PluginHost('/root');
    const seen: Record<string, unknown> = {};
    host.hooks.prepareRootfs.tapPromise('a', async (ctx) => {
      seen.a = { ...ctx.state };
      ctx.state.mounted = ['/x'];
      // the rest of the context is still visible through the scoped one
      assert.equal(ctx.rootfs, '/rootfs');
      assert.equal(ctx.container.name, record.name);
      assert.deepEqual(ctx.layers, ['/l1']);
    });
    host.hooks.prepareRootfs.tap('b', (ctx) => {
      seen.b = { ...ctx.state };
      ctx.state.count = 1;
    });
    await host.hooks.prepareRootfs.promise(rootfsCtx(record));
    assert.deepEqual(seen, { a: {}, b: { earlier: true } });
    assert.deepEqual(record.pluginState, { a: { mounted: ['/x'] }, b: { earlier: true, count: 1 } });

    // A later hook (e.g. in another process, from the saved record) sees what setup saved.
    const reloaded = makeRecord({ pluginState: JSON.parse(JSON.stringify(record.pluginState)) });
    const host2 = new PluginHost('/root');
    let fromSetup: unknown;
    host2.hooks.releaseRootfs.tapPromise('a', async (ctx) => {
      fromSetup = ctx.state.mounted;
      delete ctx.state.mounted;
    });
    await host2.hooks.releaseRootfs.promise(hookContext(reloaded, '/s', new FakeKernel(), { rootfs: '/r', remove: true, removeVolumes: false, errors: [] }));
    assert.deepEqual(fromSetup, ['/x']);
    assert.deepEqual(reloaded.pluginState.a, {});
  });

  it('taps tapped before or after another plugin do not share state', async () => {
    const record = makeRecord();
    const host = new PluginHost('/root');
    host.hooks.applyCgroups.tap('x', (ctx) => {
      ctx.state.v = 'x';
    });
    host.hooks.applyCgroups.tap('y', (ctx) => {
      assert.equal(ctx.state.v, undefined);
    });
    await host.hooks.applyCgroups.promise(hookContext(record, '/s', new FakeKernel(), { pid: 1, rootfs: '/r', initSteps: [] }));
    assert.deepEqual(record.pluginState, { x: { v: 'x' }, y: {} });
  });

  for (const style of ['sync', 'promise', 'callback', 'callback-throw'] as const) {
    it(`a setup tap that fails (${style}) becomes a PluginError naming it and the hook`, async () => {
      const host = new PluginHost('/root');
      const boom = new Error(`boom-${style}`);
      let laterRan = false;
      if (style === 'sync') {
        host.hooks.prepareRootfs.tap('bad-plugin', () => {
          throw boom;
        });
      } else if (style === 'promise') {
        host.hooks.prepareRootfs.tapPromise('bad-plugin', async () => {
          throw boom;
        });
      } else if (style === 'callback') {
        host.hooks.prepareRootfs.tapAsync('bad-plugin', (_ctx, cb) => setImmediate(() => cb(boom)));
      } else {
        host.hooks.prepareRootfs.tapAsync('bad-plugin', () => {
          throw boom;
        });
      }
      host.hooks.prepareRootfs.tap('later', () => {
        laterRan = true;
      });
      await assert.rejects(host.hooks.prepareRootfs.promise(rootfsCtx()), (e: unknown) => {
        isPluginError('bad-plugin', 'prepareRootfs', new RegExp(`plugin "bad-plugin" failed in hook prepareRootfs: boom-${style}`))(e);
        assert.equal((e as PluginError).cause, boom);
        return true;
      });
      assert.equal(laterRan, false, 'a failed setup stops the hook');
    });
  }

  it('setupNetwork and applyCgroups failures name their hook', async () => {
    const host = new PluginHost('/root');
    host.hooks.setupNetwork.tapPromise('net', async () => {
      throw new Error('no bridge');
    });
    await assert.rejects(
      host.hooks.setupNetwork.promise(hookContext(makeRecord(), '/s', new FakeKernel(), { pid: 1, rootfs: '/r', initSteps: [] })),
      isPluginError('net', 'setupNetwork', /no bridge/),
    );
  });

  it('a failing enterNamespace (sync hook) tap becomes a PluginError', () => {
    const host = new PluginHost('/root');
    host.hooks.enterNamespace.tap('ns', () => {
      throw new Error('setns denied');
    });
    assert.throws(
      () => host.hooks.enterNamespace.call(hookContext(makeRecord(), '/s', new FakeKernel(), { pid: 1, onLeave: () => {}, onSpawn: () => {} })),
      isPluginError('ns', 'enterNamespace', /setns denied/),
    );
  });

  const teardowns = HOOK_NAMES.filter((name) => HOOKS[name].role === 'teardown');
  it('the table has three teardown hooks', () => assert.deepEqual(teardowns, ['releaseCgroups', 'releaseRootfs', 'teardownNetwork']));
  for (const hook of teardowns) {
    it(`${hook}: a failing tap is collected in ctx.errors and the next tap still runs`, async () => {
      const host = new PluginHost('/root');
      const errors: Error[] = [];
      const ran: string[] = [];
      const ctx =
        hook === 'releaseRootfs'
          ? hookContext(makeRecord(), '/s', new FakeKernel(), { rootfs: '/r', remove: false, errors })
          : teardownCtx(makeRecord(), errors);
      const h = host.hooks[hook] as unknown as import('tapable').AsyncSeriesHook<[TeardownContext]>;
      h.tap('first', () => {
        ran.push('first');
        throw new Error('sync fail');
      });
      h.tapPromise('second', async () => {
        ran.push('second');
        throw new Error('promise fail');
      });
      h.tapAsync('third', (_c, cb) => {
        ran.push('third');
        cb(new Error('callback fail'));
      });
      h.tapAsync('fourth', () => {
        ran.push('fourth');
        throw new Error('callback throw');
      });
      h.tap('fifth', () => void ran.push('fifth'));
      await h.promise(ctx as unknown as TeardownContext);
      assert.deepEqual(ran, ['first', 'second', 'third', 'fourth', 'fifth']);
      assert.equal(errors.length, 4);
      assert.ok(errors.every((e) => e instanceof PluginError && e.hook === hook));
      assert.deepEqual(
        errors.map((e) => (e as PluginError).plugin),
        ['first', 'second', 'third', 'fourth'],
      );
      assert.match(errors[2]!.message, /callback fail/);
    });
  }
});

describe('PluginHost plugins and storage drivers', () => {
  it('registers storage drivers and finds them by name', async () => {
    const host = new PluginHost('/root');
    const d = driver('fake');
    let rootSeen: string | undefined;
    await host.use({
      name: 'drivers',
      apply(api) {
        rootSeen = api.root;
        api.registerStorageDriver(d);
      },
    });
    assert.equal(host.storageDriver('fake'), d);
    assert.equal(rootSeen, '/root');
    assert.equal(host.has('drivers'), true);
    assert.equal(host.has('other'), false);
  });

  it('an unknown storage driver is a MydockerError listing the available ones', async () => {
    const host = new PluginHost('/root');
    assert.throws(() => host.storageDriver('zfs'), (e: unknown) => e instanceof MydockerError && /unknown storage driver "zfs"/.test(e.message) && e.hint === 'available: none');
    await host.use({ name: 'p', apply: (api) => api.registerStorageDriver(driver('fake')) });
    assert.throws(() => host.storageDriver('zfs'), (e: unknown) => e instanceof MydockerError && e.hint === 'available: fake');
  });

  it('a plugin whose apply throws becomes a PluginError with hook "apply"', async () => {
    const host = new PluginHost('/root');
    await assert.rejects(
      host.use({
        name: 'broken',
        apply() {
          throw new Error('cannot start');
        },
      }),
      isPluginError('broken', 'apply', /plugin "broken" failed in hook apply: cannot start/),
    );
    await assert.rejects(
      host.use({ name: 'broken-async', apply: async () => Promise.reject(new Error('later')) }),
      isPluginError('broken-async', 'apply', /later/),
    );
    assert.equal(host.has('broken'), false);
  });

  it('a driver registered twice is refused, as the second plugin\'s error', async () => {
    const host = new PluginHost('/root');
    await host.use({ name: 'one', apply: (api) => api.registerStorageDriver(driver('same')) });
    await assert.rejects(host.use({ name: 'two', apply: (api) => api.registerStorageDriver(driver('same')) }), isPluginError('two', 'apply', /registered twice/));
  });

  it('applies a plugin of a given name only once', async () => {
    const host = new PluginHost('/root');
    let applied = 0;
    const plugin = { name: 'once', apply: () => void applied++ };
    await host.use(plugin);
    await host.use(plugin);
    await host.use({ ...plugin });
    assert.equal(applied, 1);
  });

  it('the hooks object is frozen', () => {
    const host = new PluginHost('/root');
    assert.equal(Object.isFrozen(host.hooks), true);
  });
});

describe('PluginHost network registry', () => {
  it('is the one its maker gives; a host made without one names that at any use, and at none before', async () => {
    const host = new PluginHost('/root');
    // A plugin that never touches the networks applies as before (the built-ins of mydocker-runc's delete).
    await host.use({ name: 'quiet', apply: (api) => void api.hooks.releaseCgroups.tapPromise('quiet', async () => {}) });
    assert.throws(() => host.networks.all(), (e: unknown) => e instanceof MydockerError && /made without a network registry \(networks\.all\)/.test(e.message));
    await assert.rejects(
      host.use({ name: 'reader', apply: (api) => void api.networks.find('bridge') }),
      (e: unknown) => e instanceof PluginError && /without a network registry/.test(e.message),
    );
    const made = new PluginHost('/root', undefined, { networks: (h) => ({ find: () => null, root: h.root }) as never });
    assert.equal(made.networks.find('bridge'), null);
  });
});
