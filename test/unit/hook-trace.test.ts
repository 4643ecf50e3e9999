// The trace (`--trace`, RuntimeOptions.trace) from the plugin host with fake plugins: one line per
// tap and per hook call, with the tap's name, the hook, a duration and the outcome; sync and async
// hooks; failing setup and teardown taps; driver calls; and nothing installed when it is off.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type * as Tapable from 'tapable';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { stateRootNetworks } from '../../src/runtime/host-networks.js';
import { hookContext } from '../../src/runtime/contexts.js';
import { PluginError } from '../../src/errors.js';
import type { StorageContext, StorageDriver } from '../../hooks/index.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';

interface Line {
  what: string;
  who: string;
  ms: number;
  outcome: string;
}

/** A host whose trace lines are collected, parsed into their four columns. */
function tracedHost(): { host: PluginHost; lines: Line[] } {
  const lines: Line[] = [];
  const host = new PluginHost('/root', undefined, {
    networks: stateRootNetworks,
    trace: (line) => {
      assert.doesNotMatch(line, /\n/, 'one line each');
      const match = /^(\S+)\s{2,}(.+?)\s{2,}(\d+\.\d) ms {2}(.+)$/.exec(line);
      assert.ok(match, `a trace line: ${JSON.stringify(line)}`);
      lines.push({ what: match[1]!, who: match[2]!, ms: Number(match[3]), outcome: match[4]! });
    },
  });
  return { host, lines };
}

const brief = (lines: Line[]): string[] => lines.map((l) => `${l.what} ${l.who} ${l.outcome}`);

const rootfsCtx = () => hookContext(makeRecord(), '/s', new FakeKernel(), { rootfs: '/r', layers: [] });
const releaseCtx = (errors: Error[] = []) => hookContext(makeRecord(), '/s', new FakeKernel(), { rootfs: '/r', remove: false, removeVolumes: false, errors });
const enterCtx = () => hookContext(makeRecord(), '/s', new FakeKernel(), { pid: 1, onLeave: () => {}, onSpawn: () => {} });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('--trace: hooks and taps', () => {
  it('an async hook: a line per tap (sync, promise, callback), then the call, with durations', async () => {
    const { host, lines } = tracedHost();
    host.hooks.prepareRootfs.tap('sync-tap', () => {});
    host.hooks.prepareRootfs.tapPromise('slow-tap', () => sleep(20));
    host.hooks.prepareRootfs.tapAsync('callback-tap', (_ctx, cb) => void setImmediate(cb));
    await host.hooks.prepareRootfs.promise(rootfsCtx());
    assert.deepEqual(brief(lines), ['prepareRootfs sync-tap ok', 'prepareRootfs slow-tap ok', 'prepareRootfs callback-tap ok', 'prepareRootfs (3 taps) ok']);
    assert.ok(lines[1]!.ms >= 15, `the slow tap took its time: ${lines[1]!.ms} ms`);
    assert.ok(lines[3]!.ms >= lines[1]!.ms, 'the call lasts at least as long as its taps');
  });

  it('a failing setup tap: its own message, the call failed naming it, the next tap not run', async () => {
    const { host, lines } = tracedHost();
    host.hooks.applyCgroups.tapPromise('good', async () => {});
    host.hooks.applyCgroups.tapPromise('bad', async () => {
      throw new Error('no cgroup\nat all');
    });
    host.hooks.applyCgroups.tap('never', () => assert.fail('a failed setup stops the hook'));
    const ctx = hookContext(makeRecord(), '/s', new FakeKernel(), { pid: 1, rootfs: '/r', initSteps: [] });
    await assert.rejects(host.hooks.applyCgroups.promise(ctx), (e: unknown) => e instanceof PluginError && e.plugin === 'bad');
    assert.deepEqual(brief(lines), ['applyCgroups good ok', 'applyCgroups bad failed: no cgroup at all', 'applyCgroups (3 taps) failed: bad']);
  });

  it('a teardown hook: thrown and pushed failures are each a failed tap, and every tap still runs', async () => {
    const { host, lines } = tracedHost();
    host.hooks.releaseRootfs.tap('throws', () => {
      throw new Error('busy');
    });
    host.hooks.releaseRootfs.tapPromise('pushes', async (ctx) => {
      ctx.errors.push(new Error('left a mount'));
    });
    host.hooks.releaseRootfs.tapAsync('calls-back-with-error', (_ctx, cb) => cb(new Error('gone')));
    host.hooks.releaseRootfs.tapPromise('fine', async () => {});
    const errors: Error[] = [];
    await host.hooks.releaseRootfs.promise(releaseCtx(errors));
    assert.equal(errors.length, 3);
    assert.deepEqual(brief(lines), [
      'releaseRootfs throws failed: busy',
      'releaseRootfs pushes failed: left a mount',
      'releaseRootfs calls-back-with-error failed: gone',
      'releaseRootfs fine ok',
      'releaseRootfs (4 taps) failed: throws, pushes, calls-back-with-error',
    ]);
  });

  it('a sync hook: ok and failed taps, traced before the call returns', () => {
    const { host, lines } = tracedHost();
    host.hooks.enterNamespace.tap('joins', () => {});
    host.hooks.enterNamespace.call(enterCtx());
    assert.deepEqual(brief(lines), ['enterNamespace joins ok', 'enterNamespace (1 tap) ok']);

    lines.length = 0;
    host.hooks.checkOptions.tap('refuses', () => {
      throw new Error('invalid -m 10x');
    });
    assert.throws(() => host.hooks.checkOptions.call({ options: { memory: '10x' }, root: '/root' }), PluginError);
    assert.deepEqual(brief(lines), ['checkOptions refuses failed: invalid -m 10x', 'checkOptions (1 tap) failed: refuses']);
  });

  it('a hook nobody tapped is still one line', async () => {
    const { host, lines } = tracedHost();
    await host.hooks.teardownNetwork.promise(hookContext(makeRecord(), '/s', new FakeKernel(), { pid: null, errors: [] }));
    assert.deepEqual(brief(lines), ['teardownNetwork (0 taps) ok']);
  });

  it('two calls of one hook at once are timed apart (by their contexts)', async () => {
    const { host, lines } = tracedHost();
    host.hooks.prepareRootfs.tapPromise('waits', (ctx) => sleep(ctx.rootfs === '/slow' ? 40 : 1));
    const slow = hookContext(makeRecord(), '/s', new FakeKernel(), { rootfs: '/slow', layers: [] });
    await Promise.all([host.hooks.prepareRootfs.promise(slow), host.hooks.prepareRootfs.promise(rootfsCtx())]);
    const calls = lines.filter((l) => l.who === '(1 tap)');
    assert.equal(calls.length, 2);
    // Lower bounds only (a loaded machine stretches any duration): the fast call ends first, and the
    // slow one is timed from its own start to its own end, not the fast one's.
    assert.ok(calls[1]!.ms >= 35 && calls[0]!.ms < calls[1]!.ms, `fast then slow: ${calls.map((c) => c.ms).join(', ')}`);
  });

  it("a plugin's apply, and its failure, are traced under its name", async () => {
    const { host, lines } = tracedHost();
    await host.use({ name: 'quick', apply: () => {} });
    await assert.rejects(host.use({ name: 'broken', apply: async () => Promise.reject(new Error('cannot start')) }), PluginError);
    assert.deepEqual(brief(lines), ['apply quick ok', 'apply broken failed: cannot start']);
  });
});

describe('--trace: drivers', () => {
  /** A driver as a class: its methods use `this`, which the trace must keep. */
  class CopyDriver implements StorageDriver {
    readonly name = 'copy';
    private readonly mounted = '/merged';
    unsupportedReason(): string | null {
      return null;
    }
    async mount(): Promise<string> {
      return this.mounted;
    }
    async unmount(): Promise<void> {
      throw new Error('still busy');
    }
    async remove(): Promise<void> {}
    changes(ctx: StorageContext): { dir: string; whiteouts: 'overlay' } {
      return { dir: `${ctx.dir}/upper`, whiteouts: 'overlay' };
    }
  }

  it("a storage driver's calls are traced as <driver>.<method> by the plugin that registered it", async () => {
    const { host, lines } = tracedHost();
    await host.use({ name: 'copy-plugin', apply: (api) => api.registerStorageDriver(new CopyDriver()) });
    const driver = host.storageDriver('copy');
    assert.equal(driver.name, 'copy');
    assert.equal(driver, host.storageDriver('copy'), 'the same traced driver every time');
    const ctx = { dir: '/d' } as StorageContext;
    assert.equal(await driver.mount(ctx), '/merged');
    assert.deepEqual(driver.changes(ctx), { dir: '/d/upper', whiteouts: 'overlay' });
    await assert.rejects(driver.unmount(ctx), /still busy/);
    assert.deepEqual(brief(lines.slice(1)), ['copy.mount copy-plugin ok', 'copy.changes copy-plugin ok', 'copy.unmount copy-plugin failed: still busy']);
  });

  it('network drivers too, as the networks registry finds them', async () => {
    const { host, lines } = tracedHost();
    const calls: string[] = [];
    await host.use({
      name: 'p2p',
      apply: (api) =>
        api.registerNetworkDriver({
          name: 'veth',
          createNetwork: async () => void calls.push('create'),
          deleteNetwork: async () => {},
          allocateAddress: async () => '10.0.0.2',
          releaseAddress: async () => {},
          join: async () => {},
          leave: async () => {},
        }),
    });
    assert.equal(await host.networks.driver('veth').allocateAddress({ network: {} as never, owner: 'c' }, null), '10.0.0.2');
    assert.deepEqual(brief(lines.slice(1)), ['veth.allocateAddress p2p ok']);
  });
});

describe('--trace off', () => {
  it('installs nothing: one interceptor per hook (the tap wrapping), drivers as registered', async () => {
    const host = new PluginHost('/root');
    for (const hook of Object.values(host.hooks) as Tapable.Hook<unknown[], unknown>[]) {
      assert.equal(hook.interceptors.length, 1);
      assert.equal(hook.interceptors[0]!.call, undefined);
    }
    const driver: StorageDriver = {
      name: 'plain',
      unsupportedReason: () => null,
      mount: async () => '/m',
      unmount: async () => {},
      remove: async () => {},
      changes: () => ({ dir: '/u', whiteouts: 'overlay' }),
    };
    await host.use({ name: 'p', apply: (api) => api.registerStorageDriver(driver) });
    assert.equal(host.storageDriver('plain'), driver);
  });
});
