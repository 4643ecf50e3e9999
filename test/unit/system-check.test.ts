// `system check` (src/runtime/system-check.ts, check-images.ts) and the removal of a container's
// remains by its ID (src/runtime/remains.ts) on a state root in a temporary directory, without root:
// a fake storage driver and recording teardown hooks stand in for the plugins, a fake kernel for
// flock (a lock "held by another process" is one whose flock fails with EAGAIN).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StorageDriver } from '../../hooks/index.js';
import { systemCheck } from '../../src/runtime/system-check.js';
import { hasRemains, removeRemains } from '../../src/runtime/remains.js';
import type { ReleaseDeps } from '../../src/runtime/release.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { stateRootNetworks } from '../../src/runtime/host-networks.js';
import { ContainerStore } from '../../src/container/store.js';
import { ImageStore } from '../../src/image/store.js';
import { StateRoot } from '../../src/state-root.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const ID = 'c'.repeat(64);
const SHORT = ID.slice(0, 12);
const EAGAIN = 11;
const LOCK_NB = 4;

interface Setup {
  deps: ReleaseDeps;
  root: StateRoot;
  /** What the teardowns and the driver were asked to do, in order. */
  log: string[];
  /** Lock files another process "holds". */
  busy: Set<string>;
  failTeardown: { cgroups: boolean };
}

async function setup(t: { after(fn: () => void): void }): Promise<Setup> {
  const root = new StateRoot(tempDir(t));
  const busy = new Set<string>();
  const isBusy = (fd: number): boolean => [...busy].some((file) => fs.statSync(file, { throwIfNoEntry: false })?.ino === fs.fstatSync(fd).ino);
  const kernel = new FakeKernel({ failOn: { call: 'flock', errno: EAGAIN, when: ([fd, op]) => ((op as number) & LOCK_NB) !== 0 && isBusy(fd as number) } });
  const host = new PluginHost(root.dir, () => kernel, { networks: stateRootNetworks });
  const log: string[] = [];
  const failTeardown = { cgroups: false };
  const driver: StorageDriver = {
    name: 'fake',
    unsupportedReason: () => null,
    changes: () => ({ dir: '/upper', whiteouts: 'overlay' }),
    mount: async () => '/merged',
    unmount: async (ctx) => void log.push(`unmount ${path.basename(ctx.dir)}`),
    remove: async (ctx) => {
      log.push(`remove ${path.basename(ctx.dir)}`);
      fs.rmSync(ctx.dir, { recursive: true, force: true });
    },
  };
  await host.use({ name: 'fake-storage', apply: (api) => api.registerStorageDriver(driver) });
  host.hooks.releaseCgroups.tap('cg', (ctx) => {
    log.push(`releaseCgroups ${ctx.container.id.slice(0, 12)}`);
    if (failTeardown.cgroups) throw new Error('device or resource busy');
  });
  host.hooks.teardownNetwork.tap('net', (ctx) => void log.push(`teardownNetwork ${ctx.container.id.slice(0, 12)}`));
  return { deps: { root, host, kernel, containers: new ContainerStore(root) }, root, log, busy, failTeardown };
}

function write(file: string, content = ''): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Every path under the root, for "nothing else was touched". */
function tree(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel)).sort().flatMap((entry) => {
    const child = path.join(rel, entry);
    return fs.statSync(path.join(dir, child)).isDirectory() ? [`${child}/`, ...tree(dir, child)] : [child];
  });
}

/** A run killed after it reserved the name: the name file holds an ID that has no record. */
function killedAfterName(s: Setup, name = 'victim', id = ID): void {
  write(path.join(s.root.names, name), id);
}

describe('system check: containers', () => {
  it('an empty root has nothing to report, and looking leaves no lock file', async (t) => {
    const s = await setup(t);
    assert.deepEqual(await systemCheck(s.deps, { fix: false }), { findings: [], failed: [] });
    killedAfterName(s);
    await systemCheck(s.deps, { fix: false });
    assert.deepEqual(fs.readdirSync(path.join(s.root.dir, 'locks')), [], 'the lock made to look is unlinked again');
  });

  it('a run killed after its name: one line for the name; --fix runs the teardowns by the ID and frees the name', async (t) => {
    const s = await setup(t);
    killedAfterName(s);
    const { findings } = await systemCheck(s.deps, { fix: false });
    assert.deepEqual(findings, [`name victim: ${s.root.names}/victim (held for ${SHORT}; container ${SHORT} has no record: a run or rm killed half-way)`]);
    assert.deepEqual(s.log, [], 'looking removes nothing');
    const fixed = await systemCheck(s.deps, { fix: true });
    assert.deepEqual(fixed, { findings, failed: [] });
    // No storage directory: only the teardowns that find their things by the ID.
    assert.deepEqual(s.log, [`releaseCgroups ${SHORT}`, `teardownNetwork ${SHORT}`]);
    assert.deepEqual(tree(s.root.dir).filter((p) => !p.endsWith('/')), [], 'no name, no lock file left');
    assert.deepEqual(await systemCheck(s.deps, { fix: false }), { findings: [], failed: [] });
  });

  it('a container without a record: one line per object (directory, name, storage), removed by one removal', async (t) => {
    const s = await setup(t);
    killedAfterName(s);
    fs.mkdirSync(s.deps.containers.dir(ID), { recursive: true });
    fs.mkdirSync(path.join(s.root.storage('fake'), ID, 'upper'), { recursive: true });
    const { findings } = await systemCheck(s.deps, { fix: false });
    assert.deepEqual(
      findings.map((f) => f.replace(/ \(.*/, '')),
      [`directory ${SHORT}: ${s.deps.containers.dir(ID)}`, `name victim: ${s.root.names}/victim`, `storage ${SHORT}: ${s.root.storage('fake')}/${ID}`],
    );
    await systemCheck(s.deps, { fix: true });
    assert.deepEqual(s.log, [`releaseCgroups ${SHORT}`, `unmount ${ID}`, `remove ${ID}`, `teardownNetwork ${SHORT}`], 'one removal for the three');
    assert.equal(hasRemains(s.deps, ID), false);
  });

  it('the directory of an rm killed while deleting (tmp/removing-ID) is found and removed', async (t) => {
    const s = await setup(t);
    write(path.join(s.root.tmp, `removing-${ID}`, 'container.json'), '{}');
    const { findings } = await systemCheck(s.deps, { fix: false });
    assert.deepEqual(findings, [`directory ${SHORT}: ${s.root.tmp}/removing-${ID} (a container directory being removed; container ${SHORT} has no record: a run or rm killed half-way)`]);
    await systemCheck(s.deps, { fix: true });
    assert.deepEqual(fs.readdirSync(s.root.tmp), []);
  });

  it('a container with its record is no orphan, nor is one whose lock is held (a run or rm at work)', async (t) => {
    const s = await setup(t);
    s.deps.containers.create(makeRecord({ id: 'd'.repeat(64), name: 'alive', storageDriver: 'fake' }));
    killedAfterName(s, 'busy', ID);
    const lock = path.join(s.root.dir, 'locks', ID);
    write(lock);
    s.busy.add(lock);
    const before = tree(s.root.dir);
    assert.deepEqual(await systemCheck(s.deps, { fix: true }), { findings: [], failed: [] });
    // Nothing removed (the living container's lock file may be made: it is its own).
    assert.deepEqual(before.filter((p) => !fs.existsSync(path.join(s.root.dir, p))), []);
    assert.deepEqual(s.log, []);
  });

  it('a lock file of nothing, and a name that holds no ID', async (t) => {
    const s = await setup(t);
    write(path.join(s.root.dir, 'locks', ID));
    write(path.join(s.root.names, 'junk'), 'not an id');
    const { findings } = await systemCheck(s.deps, { fix: false });
    assert.deepEqual(findings, [`lock ${SHORT}: ${s.root.dir}/locks/${ID} (no such container)`, `name junk: ${s.root.names}/junk (holds no container ID)`]);
    await systemCheck(s.deps, { fix: true });
    assert.deepEqual(fs.readdirSync(path.join(s.root.dir, 'locks')), []);
    assert.deepEqual(fs.readdirSync(s.root.names), []);
  });

  it('a removal that fails is reported with why; the other orphans still go', async (t) => {
    const s = await setup(t);
    killedAfterName(s);
    write(path.join(s.root.names, 'junk'), 'not an id');
    s.failTeardown.cgroups = true;
    const report = await systemCheck(s.deps, { fix: true });
    assert.deepEqual(report.findings, [`name junk: ${s.root.names}/junk (holds no container ID)`]);
    assert.equal(report.failed.length, 1);
    assert.match(report.failed[0]!.finding, /^name victim: /);
    assert.match(report.failed[0]!.reason, /could not fully remove what is left of container c{12}: .*device or resource busy/);
    assert.ok(fs.existsSync(path.join(s.root.names, 'victim')), 'kept, so that rm -f or the next check can try again');
    s.failTeardown.cgroups = false;
    assert.deepEqual((await systemCheck(s.deps, { fix: true })).failed, []);
    assert.equal(fs.existsSync(path.join(s.root.names, 'victim')), false);
  });
});

describe('system check: the image store', () => {
  const LAYER_A = 'a'.repeat(64);
  const LAYER_B = 'b'.repeat(64);

  /** An image on LAYER_A, named or not; LAYER_B is no image's. */
  async function store(s: Setup, refs: string[]): Promise<void> {
    for (const layer of [LAYER_A, LAYER_B]) write(path.join(s.root.layers, layer, 'diff', 'file'));
    await new ImageStore(s.root).writeImage({ layers: [`sha256:${LAYER_A}`], config: {}, size: 0, history: [], refs });
  }

  it('finds staging of killed commands and a layer no image has; keeps an image without a name and its layer', async (t) => {
    const s = await setup(t);
    await store(s, []);
    fs.mkdirSync(path.join(s.root.tmp, 'commit-x1'), { recursive: true });
    fs.mkdirSync(path.join(s.root.layers, '.import-y2', 'diff'), { recursive: true });
    const { findings } = await systemCheck(s.deps, { fix: false });
    assert.deepEqual(findings, [
      `staging commit-x1: ${s.root.tmp}/commit-x1 (left by an image command killed half-way)`,
      `staging .import-y2: ${s.root.layers}/.import-y2 (a layer whose extraction was killed half-way)`,
      `layer sha256:${LAYER_B.slice(0, 12)}: ${s.root.layers}/${LAYER_B} (no image has it)`,
    ]);
    await systemCheck(s.deps, { fix: true });
    assert.deepEqual(fs.readdirSync(s.root.tmp), []);
    assert.deepEqual(fs.readdirSync(s.root.layers), [LAYER_A]);
    assert.equal(new ImageStore(s.root).list()[0]?.repository, '<none>', 'the nameless image is kept, and listed');
  });

  it('judges no layer while some image record cannot be read (its layers are not known)', async (t) => {
    const s = await setup(t);
    await store(s, ['one']);
    write(path.join(s.root.images, `${'e'.repeat(64)}.json`), '{');
    assert.deepEqual((await systemCheck(s.deps, { fix: true })).findings, []);
    assert.deepEqual(fs.readdirSync(s.root.layers).sort(), [LAYER_A, LAYER_B]);
  });

  it('a temporary file of an atomic write is an orphan only once its writer is gone', async (t) => {
    const s = await setup(t);
    await store(s, ['one']);
    fs.rmSync(path.join(s.root.layers, LAYER_B), { recursive: true });
    const dead = 2 ** 22 + 1; // above the kernel's pid_max ceiling: no process has it
    write(path.join(s.root.images, `repositories.json.tmp-${dead}-abc123`));
    write(path.join(s.root.images, `repositories.json.tmp-${process.pid}-def456`));
    const { findings } = await systemCheck(s.deps, { fix: true });
    assert.deepEqual(findings, [`temporary file repositories.json.tmp-${dead}-abc123: ${s.root.images}/repositories.json.tmp-${dead}-abc123 (its writer (process ${dead}) is gone)`]);
    assert.deepEqual(fs.readdirSync(s.root.images).filter((f) => f.includes('.tmp-')), [`repositories.json.tmp-${process.pid}-def456`]);
  });

  it('nothing of the store is judged while an image command holds its lock', async (t) => {
    const s = await setup(t);
    await store(s, []);
    fs.mkdirSync(path.join(s.root.tmp, 'commit-x1'), { recursive: true });
    const lock = path.join(s.root.images, 'lock');
    write(lock);
    s.busy.add(lock);
    assert.deepEqual(await systemCheck(s.deps, { fix: true }), { findings: [], failed: [] });
    assert.ok(fs.existsSync(path.join(s.root.tmp, 'commit-x1')));
    assert.ok(fs.existsSync(path.join(s.root.layers, LAYER_B)));
  });
});

describe('removeRemains', () => {
  it('removes nothing and says so when the ID has no trace', async (t) => {
    const s = await setup(t);
    assert.equal(hasRemains(s.deps, ID), false);
    assert.equal(await removeRemains(s.deps, ID), false);
    assert.deepEqual(s.log, []);
  });

  it('runs every teardown on a stand-in of the ID, then removes its files and only the names that hold it', async (t) => {
    const s = await setup(t);
    killedAfterName(s, 'victim');
    killedAfterName(s, 'other', 'f'.repeat(64));
    fs.mkdirSync(path.join(s.root.storage('fake'), ID), { recursive: true });
    fs.mkdirSync(s.deps.containers.dir(ID), { recursive: true });
    assert.equal(hasRemains(s.deps, ID), true);
    assert.equal(await removeRemains(s.deps, ID), true);
    assert.deepEqual(s.log, [`releaseCgroups ${SHORT}`, `unmount ${ID}`, `remove ${ID}`, `teardownNetwork ${SHORT}`]);
    assert.deepEqual(fs.readdirSync(s.root.names), ['other']);
    assert.equal(fs.existsSync(s.deps.containers.dir(ID)), false);
    assert.deepEqual(fs.readdirSync(s.root.tmp), [], 'the renamed directory is gone too');
  });

  it('keeps the files when a teardown failed, and says which container and why', async (t) => {
    const s = await setup(t);
    killedAfterName(s);
    s.failTeardown.cgroups = true;
    await assert.rejects(removeRemains(s.deps, ID), /could not fully remove what is left of container c{12}: .*device or resource busy/);
    assert.equal(hasRemains(s.deps, ID), true, 'the name still leads to it: rm -f can be run again');
  });
});
