import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerRecord } from '../../src/container/record.js';
import { ContainerStore } from '../../src/container/store.js';
import { processStartTime } from '../../src/container/proc-stat.js';
import { endContainer, endLocked } from '../../src/runtime/end.js';
import type { ReleaseDeps } from '../../src/runtime/release.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { StateRoot } from '../../src/state-root.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const GONE_PID = 99_999_999; // above any pid_max: never a live process

async function setup(t: { after(fn: () => void): void }, options: { failTeardown?: boolean } = {}): Promise<{ deps: ReleaseDeps; log: string[] }> {
  const root = new StateRoot(tempDir(t));
  const host = new PluginHost(root.dir);
  const log: string[] = [];
  await host.use({
    name: 'fake-storage',
    apply: (api) =>
      api.registerStorageDriver({
        name: 'fake',
        unsupportedReason: () => null,
        changes: () => ({ dir: '/upper', whiteouts: 'overlay' }),
        mount: async () => '/merged',
        unmount: async () => void log.push('unmount'),
        remove: async () => void log.push('remove layer'),
      }),
  });
  host.hooks.teardownNetwork.tapPromise('net', async () => {
    log.push('teardownNetwork');
    if (options.failTeardown) throw new Error('link busy');
  });
  return { deps: { root, host, kernel: new FakeKernel(), containers: new ContainerStore(root) }, log };
}

function record(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return makeRecord({
    storageDriver: 'fake',
    rootfs: '/merged',
    state: { status: 'running', pid: GONE_PID, pidStartTime: 5, startedAt: '2024-01-01T00:00:01.000Z', finishedAt: null, exitCode: null },
    ...over,
  });
}

describe('endContainer, the end a foreground run sees', () => {
  it('records the exit, releases the container and keeps it (no --rm)', async (t) => {
    const { deps, log } = await setup(t);
    const r = record();
    deps.containers.create(r);
    await endContainer(deps, r.id, { by: 'run', pid: GONE_PID, pidStartTime: 5, code: 3 });
    const saved = deps.containers.load(r.id);
    assert.equal(saved.state.status, 'exited');
    assert.equal(saved.state.exitCode, 3);
    assert.ok(saved.state.finishedAt !== null);
    assert.equal(saved.rootfs, null);
    assert.deepEqual(log, ['unmount', 'teardownNetwork']);
    assert.ok((deps.kernel as FakeKernel).calls.some((c) => c.call === 'flock'), 'under the container lock');
  });

  it('leaves a container that was started again since to the run that owns it now', async (t) => {
    const { deps, log } = await setup(t);
    const r = record();
    deps.containers.create(r);
    await endContainer(deps, r.id, { by: 'run', pid: GONE_PID, pidStartTime: 4, code: 0 });
    assert.equal(deps.containers.load(r.id).state.status, 'running');
    assert.deepEqual(log, []);
  });

  it('does nothing for a container removed meanwhile', async (t) => {
    const { deps, log } = await setup(t);
    await endContainer(deps, record().id, { by: 'run', pid: GONE_PID, pidStartTime: 5, code: 0 });
    assert.deepEqual(log, []);
  });

  it("an --rm run's end is not written to its record: the record is deleted whatever the release does", async (t) => {
    const { deps, log } = await setup(t);
    const r = record({ autoRemove: true });
    deps.containers.create(r);
    const saved: string[] = [];
    const save = deps.containers.save.bind(deps.containers);
    deps.containers.save = (written) => {
      saved.push(written.state.status);
      save(written);
    };
    await endContainer(deps, r.id, { by: 'run', pid: GONE_PID, pidStartTime: 5, code: 0 });
    assert.deepEqual(saved, []);
    assert.deepEqual(log, ['unmount', 'remove layer', 'teardownNetwork']);
    assert.equal(deps.containers.exists(r.id), false);
  });

  it('removes an --rm container, and says so when releasing failed (the record goes anyway)', async (t) => {
    const { deps, log } = await setup(t, { failTeardown: true });
    const r = record({ autoRemove: true });
    deps.containers.create(r);
    await assert.rejects(endContainer(deps, r.id, { by: 'run', pid: GONE_PID, pidStartTime: 5, code: 3 }), /container test_container exited with 3, but releasing it failed: .*link busy/);
    assert.deepEqual(log, ['unmount', 'remove layer', 'teardownNetwork']);
    assert.equal(deps.containers.exists(r.id), false);
  });
});

describe("endContainer, the end a detached container's shim sees", () => {
  it('records the code and time of the exit file', async (t) => {
    const { deps } = await setup(t);
    const r = record();
    deps.containers.create(r);
    const exitFile = path.join(deps.containers.dir(r.id), 'exit-status');
    fs.writeFileSync(exitFile, '137\n');
    r.detached = { log: path.join(deps.containers.dir(r.id), 'container.log'), exitFile };
    deps.containers.save(r);
    await endContainer(deps, r.id, { by: 'shim' });
    const saved = deps.containers.load(r.id);
    assert.equal(saved.state.status, 'exited');
    assert.equal(saved.state.exitCode, 137);
    assert.equal(saved.state.finishedAt, fs.statSync(exitFile).mtime.toISOString());
  });

  it('leaves a running container alone, and does not record an end twice', async (t) => {
    const { deps, log } = await setup(t);
    const running = record({ state: { status: 'running', pid: process.pid, pidStartTime: processStartTime(process.pid), startedAt: null, finishedAt: null, exitCode: null } });
    deps.containers.create(running);
    await endContainer(deps, running.id, { by: 'shim' });
    assert.equal(deps.containers.load(running.id).rootfs, '/merged');
    assert.deepEqual(log, []);

    deps.containers.delete(running);
    const ended = record({ state: { status: 'exited', pid: GONE_PID, pidStartTime: 5, startedAt: null, finishedAt: 'then', exitCode: 7 } });
    deps.containers.create(ended);
    await endContainer(deps, ended.id, { by: 'shim' });
    const saved = deps.containers.load(ended.id);
    assert.deepEqual([saved.state.exitCode, saved.state.finishedAt, saved.rootfs], [7, 'then', null]);
  });

  it('keeps an --rm container whose release failed, so that rm can retry', async (t) => {
    const { deps } = await setup(t, { failTeardown: true });
    const r = record({ autoRemove: true });
    deps.containers.create(r);
    await assert.rejects(endContainer(deps, r.id, { by: 'shim' }), /releasing container test_container failed: .*link busy/);
    assert.equal(deps.containers.load(r.id).state.status, 'exited');
  });
});

describe('endLocked', () => {
  it('undoes only the steps asked for, and leaves the state as it is without an exit', async (t) => {
    const { deps, log } = await setup(t);
    const r = record({ state: { status: 'created', pid: GONE_PID, pidStartTime: 5, startedAt: null, finishedAt: null, exitCode: null } });
    deps.containers.create(r);
    assert.deepEqual(await endLocked(deps, r, { remove: false, removeVolumes: false, steps: ['rootfs'] }), []);
    assert.deepEqual(log, ['unmount']);
    assert.equal(deps.containers.load(r.id).state.status, 'created');
  });
});
