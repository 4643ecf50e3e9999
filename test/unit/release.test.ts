import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { StorageContext, StorageDriver } from '../../hooks/index.js';
import { releaseContainer, type ReleaseDeps } from '../../src/runtime/release.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { ContainerStore } from '../../src/container/store.js';
import { StateRoot } from '../../src/state-root.js';
import { PluginError } from '../../src/errors.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

interface Setup {
  deps: ReleaseDeps;
  log: string[];
  contexts: StorageContext[];
  driver: StorageDriver & { failUnmount?: boolean };
}

async function setup(t: { after(fn: () => void): void }): Promise<Setup> {
  const root = new StateRoot(tempDir(t));
  const host = new PluginHost(root.dir);
  const log: string[] = [];
  const contexts: StorageContext[] = [];
  const driver: Setup['driver'] = {
    name: 'fake',
    unsupportedReason: () => null,
    changes: () => ({ dir: '/upper', whiteouts: 'overlay' }),
    mount: async () => '/merged',
    async unmount(ctx) {
      contexts.push(ctx);
      log.push('driver.unmount');
      if (driver.failUnmount) throw new Error('busy');
    },
    async remove() {
      log.push('driver.remove');
    },
  };
  await host.use({ name: 'fake-storage', apply: (api) => api.registerStorageDriver(driver) });
  host.hooks.teardownNetwork.tap('net', (ctx) => {
    log.push(`teardownNetwork pid=${ctx.pid}`);
    delete ctx.state.veth;
  });
  host.hooks.releaseCgroups.tap('cg', () => void log.push('releaseCgroups'));
  host.hooks.releaseRootfs.tap('vol', (ctx) => void log.push(`releaseRootfs remove=${ctx.remove} rootfs=${ctx.rootfs}`));
  return { deps: { root, host, kernel: new FakeKernel(), containers: new ContainerStore(root) }, log, contexts, driver };
}

function record() {
  return makeRecord({
    storageDriver: 'fake',
    rootfs: '/merged',
    state: { status: 'exited', pid: 77, pidStartTime: 1, startedAt: null, finishedAt: null, exitCode: 0 },
    pluginState: { net: { veth: 'veth0', bridge: 'br0' }, 'storage:fake': { merged: '/merged' } },
  });
}

describe('releaseContainer', () => {
  it('undoes cgroups, rootfs (hook, then storage driver), then the network (the kernel is tearing its veth down meanwhile)', async (t) => {
    const s = await setup(t);
    const r = record();
    s.deps.containers.create(r);
    const errors = await releaseContainer(s.deps, r, { remove: true });
    assert.deepEqual(errors, []);
    assert.deepEqual(s.log, ['releaseCgroups', 'releaseRootfs remove=true rootfs=/merged', 'driver.unmount', 'driver.remove', 'teardownNetwork pid=77']);
    assert.equal(r.rootfs, null);
    assert.deepEqual(r.pluginState.net, { bridge: 'br0' });
    const ctx = s.contexts[0]!;
    assert.deepEqual(ctx.state, { merged: '/merged' });
    assert.equal(ctx.dir, path.join(s.deps.root.storage('fake'), r.id));
  });

  it('keeps the container layer when not removing, and saves what the teardowns changed', async (t) => {
    const s = await setup(t);
    const r = record();
    s.deps.containers.create(r);
    await releaseContainer(s.deps, r, { remove: false });
    assert.deepEqual(s.log.slice(-3), ['releaseRootfs remove=false rootfs=/merged', 'driver.unmount', 'teardownNetwork pid=77']);
    const saved = s.deps.containers.load(r.id);
    assert.equal(saved.rootfs, null);
    assert.deepEqual(saved.pluginState.net, { bridge: 'br0' });
  });

  it('is best effort: every step runs and the failures are returned together', async (t) => {
    const s = await setup(t);
    s.deps.host.hooks.teardownNetwork.tapPromise('bad-net', async () => {
      throw new Error('link gone');
    });
    s.driver.failUnmount = true;
    const r = record();
    s.deps.containers.create(r);
    const errors = await releaseContainer(s.deps, r, { remove: true });
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /busy/);
    assert.ok(errors[1] instanceof PluginError && errors[1].plugin === 'bad-net' && errors[1].hook === 'teardownNetwork');
    assert.ok(s.log.includes('releaseCgroups') && s.log.includes('releaseRootfs remove=true rootfs=/merged'));
    assert.equal(s.log.includes('driver.remove'), false, 'a layer that could not be unmounted is not deleted');
    // the record stays, with the teardowns' progress, so that `rm` can be retried
    assert.deepEqual(s.deps.containers.load(r.id).pluginState.net, { bridge: 'br0' });
  });

  it('runs only the steps asked for', async (t) => {
    const s = await setup(t);
    const r = record();
    s.deps.containers.create(r);
    await releaseContainer(s.deps, r, { remove: true, steps: ['cgroups'] });
    assert.deepEqual(s.log, ['releaseCgroups']);
    assert.equal(r.rootfs, '/merged');
  });

  it('does not recreate a record that is gone', async (t) => {
    const s = await setup(t);
    const r = record();
    const errors = await releaseContainer(s.deps, r, { remove: true });
    assert.deepEqual(errors, []);
    assert.equal(s.deps.containers.exists(r.id), false);
  });
});
