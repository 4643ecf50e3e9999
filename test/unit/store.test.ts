import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { ContainerStore } from '../../src/container/store.js';
import { StateRoot } from '../../src/state-root.js';
import { MydockerError, NoSuchContainerError } from '../../src/errors.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const ID_A = `abc${'0'.repeat(61)}`;
const ID_B = `abd${'1'.repeat(61)}`;
const ID_C = `ff${'2'.repeat(62)}`;

function setup(t: { after(fn: () => void): void }): { root: StateRoot; store: ContainerStore } {
  const root = new StateRoot(tempDir(t));
  return { root, store: new ContainerStore(root) };
}

function noSuch(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof NoSuchContainerError && e.exitCode === 1 && /no such container/.test(e.message));
}

describe('ContainerStore', () => {
  it('a name another run is reserving at this very moment (its file still empty) is reported as taken, not as damaged', (t) => {
    const { root, store } = setup(t);
    store.create(makeRecord({ id: ID_B, name: 'other' }));
    fs.writeFileSync(path.join(root.names, 'racing'), '');
    // The other run writes its ID a moment later, from another process (this thread waits).
    const writer = spawn('sh', ['-c', `sleep 0.1; printf ${ID_B} > ${path.join(root.names, 'racing')}`], { stdio: 'ignore' });
    t.after(() => writer.kill());
    assert.throws(
      () => store.create(makeRecord({ id: ID_A, name: 'racing' })),
      (e: unknown) => e instanceof MydockerError && /already in use by container abd111111111/.test(e.message),
    );
    // One that stays empty is what it is: damaged, reported by its path.
    fs.writeFileSync(path.join(root.names, 'stuck'), '');
    assert.throws(() => store.create(makeRecord({ id: ID_A, name: 'stuck' })), /names\/stuck: empty, it must hold a container ID/);
  });

  it('round-trips a record through create, load and save', (t) => {
    const { root, store } = setup(t);
    const record = makeRecord({ id: ID_A, name: 'web', pluginState: { p: { k: [1, 'x', null] } } });
    store.create(record);
    assert.equal(fs.readFileSync(path.join(root.names, 'web'), 'utf8'), ID_A);
    assert.deepEqual(store.load(ID_A), record);
    record.state.status = 'exited';
    record.state.exitCode = 3;
    store.save(record);
    assert.deepEqual(store.load(ID_A), record);
    assert.equal(store.exists(ID_A), true);
    assert.deepEqual(store.ids(), [ID_A]);
    assert.deepEqual(store.list().map((r) => r.name), ['web']);
    // no temporary files left by the atomic writes
    assert.deepEqual(fs.readdirSync(store.dir(ID_A)), ['container.json']);
  });

  it('refuses a taken name with exit code 125 and creates nothing', (t) => {
    const { root, store } = setup(t);
    store.create(makeRecord({ id: ID_A, name: 'web' }));
    assert.throws(
      () => store.create(makeRecord({ id: ID_B, name: 'web' })),
      (e: unknown) => e instanceof MydockerError && e.exitCode === 125 && /"web" is already in use by container abc000000000/.test(e.message),
    );
    assert.equal(fs.existsSync(store.dir(ID_B)), false);
    assert.deepEqual(store.ids(), [ID_A]);
    assert.equal(fs.readFileSync(path.join(root.names, 'web'), 'utf8'), ID_A);
  });

  it('refuses an invalid name before creating anything', (t) => {
    const { root, store } = setup(t);
    for (const name of ['a', '-x', 'has space', '../up', '', '.hidden']) {
      assert.throws(() => store.create(makeRecord({ id: ID_A, name })), /invalid container name/, name);
    }
    // Longer than any file name may be: refused in a sentence, not by ENAMETOOLONG.
    assert.throws(() => store.create(makeRecord({ id: ID_A, name: 'a'.repeat(10_000) })), /invalid container name "a{40}…": it is 10000 characters long, at most 128 are allowed/);
    assert.equal(fs.existsSync(root.containers), false);
    assert.equal(fs.existsSync(root.names), false);
  });

  it('resolves by name, full id and unique prefix', (t) => {
    const { store } = setup(t);
    store.create(makeRecord({ id: ID_A, name: 'alpha' }));
    store.create(makeRecord({ id: ID_B, name: 'beta' }));
    store.create(makeRecord({ id: ID_C, name: 'gamma' }));
    assert.equal(store.resolve('beta').id, ID_B);
    assert.equal(store.resolve(ID_A).name, 'alpha');
    assert.equal(store.resolve('abc').name, 'alpha');
    assert.equal(store.resolve('f').name, 'gamma');
  });

  it('refuses an ambiguous prefix with exit code 1', (t) => {
    const { store } = setup(t);
    store.create(makeRecord({ id: ID_A, name: 'alpha' }));
    store.create(makeRecord({ id: ID_B, name: 'beta' }));
    assert.throws(
      () => store.resolve('ab'),
      (e: unknown) => e instanceof MydockerError && !(e instanceof NoSuchContainerError) && e.exitCode === 1 && /ambiguous \(2 matches\)/.test(e.message),
    );
  });

  it('refuses unknown refs and path-like refs with NoSuchContainerError', (t) => {
    const { store } = setup(t);
    noSuch(() => store.resolve('nothing'));
    store.create(makeRecord({ id: ID_A, name: 'alpha' }));
    noSuch(() => store.resolve('nothing'));
    noSuch(() => store.resolve(''));
    noSuch(() => store.resolve('../names/alpha'));
    noSuch(() => store.resolve('.'));
    noSuch(() => store.resolve('a/b'));
  });

  it('delete removes the directory and the name', (t) => {
    const { root, store } = setup(t);
    const record = makeRecord({ id: ID_A, name: 'alpha' });
    store.create(record);
    fs.writeFileSync(path.join(store.dir(ID_A), 'plugin-file'), 'x');
    store.delete(record);
    assert.equal(fs.existsSync(store.dir(ID_A)), false);
    assert.equal(fs.existsSync(path.join(root.names, 'alpha')), false);
    noSuch(() => store.resolve('alpha'));
    // the name is free again
    store.create(makeRecord({ id: ID_B, name: 'alpha' }));
    assert.equal(store.resolve('alpha').id, ID_B);
  });

  it('delete reads no name file but its own (a root with 200 containers has 200 of them)', (t) => {
    const { root, store } = setup(t);
    const record = makeRecord({ id: ID_A, name: 'alpha' });
    store.create(record);
    store.names = () => assert.fail('every name file was read');
    store.delete(record);
    assert.equal(fs.existsSync(path.join(root.names, 'alpha')), false);
  });

  it('a rename killed half-way: the record names the other name, and delete drops both files', (t) => {
    const { root, store } = setup(t);
    // Killed once the new name was reserved, before the record said it (or after, before the old one went).
    for (const [name, otherName] of [['alpha', 'beta'], ['beta', 'alpha']] as const) {
      const record = makeRecord({ id: ID_A, name });
      store.create(record);
      fs.writeFileSync(path.join(root.names, otherName), ID_A);
      store.save({ ...record, otherName });
      store.delete(store.load(ID_A));
      assert.deepEqual(fs.readdirSync(root.names), [], `${name} with ${otherName}`);
    }
  });

  it('rename: both names are in the record while both files may exist; a later rename finishes a killed one', (t) => {
    const { root, store } = setup(t);
    const record = makeRecord({ id: ID_A, name: 'alpha' });
    store.create(record);
    store.rename(record, 'beta');
    assert.equal(store.load(ID_A).name, 'beta');
    assert.equal(store.load(ID_A).otherName, undefined);
    assert.deepEqual(fs.readdirSync(root.names), ['beta']);
    // As a rename to "gamma" killed after its record was saved leaves it: "beta" still holds the ID.
    fs.writeFileSync(path.join(root.names, 'gamma'), ID_A);
    store.save({ ...record, name: 'gamma', otherName: 'beta' });
    const loaded = store.load(ID_A);
    store.rename(loaded, 'delta');
    assert.deepEqual(fs.readdirSync(root.names).sort(), ['delta']);
    assert.equal(store.load(ID_A).otherName, undefined);
  });

  it('createSyncingLater: the name and record exist at once, the promise settles once the name is on disk', async (t) => {
    const { root, store } = setup(t);
    const durable = store.createSyncingLater(makeRecord({ id: ID_A, name: 'alpha' }));
    assert.equal(fs.readFileSync(path.join(root.names, 'alpha'), 'utf8'), ID_A);
    assert.equal(store.load(ID_A).name, 'alpha');
    await durable;
    assert.throws(() => store.createSyncingLater(makeRecord({ id: ID_B, name: 'alpha' })), /already in use/);
    assert.equal(fs.existsSync(store.dir(ID_B)), false);
  });

  it("delete keeps a name that now belongs to another container", (t) => {
    const { root, store } = setup(t);
    const old = makeRecord({ id: ID_A, name: 'alpha' });
    store.create(old);
    fs.writeFileSync(path.join(root.names, 'alpha'), ID_B);
    store.delete(old);
    assert.equal(fs.readFileSync(path.join(root.names, 'alpha'), 'utf8'), ID_B);
  });

  it('list skips directories without a readable record and ids() ignores non-ids', (t) => {
    const { root, store } = setup(t);
    store.create(makeRecord({ id: ID_A, name: 'alpha' }));
    fs.mkdirSync(path.join(root.containers, ID_B));
    fs.mkdirSync(path.join(root.containers, 'not-an-id'));
    assert.deepEqual(store.ids().sort(), [ID_A, ID_B]);
    assert.deepEqual(store.list().map((r) => r.id), [ID_A]);
  });

  it('a stale name (record gone) falls back to prefix lookup', (t) => {
    const { root, store } = setup(t);
    fs.mkdirSync(root.names, { recursive: true });
    fs.writeFileSync(path.join(root.names, 'ghost'), ID_C);
    noSuch(() => store.resolve('ghost'));
  });

  it('a name held by an ID without a record (a run killed after reserving it): refused, naming the ID and what frees it', (t) => {
    const { root, store } = setup(t);
    fs.mkdirSync(root.names, { recursive: true });
    fs.writeFileSync(path.join(root.names, 'ghost'), ID_C);
    assert.throws(
      () => store.create(makeRecord({ id: ID_A, name: 'ghost' })),
      (e: unknown) =>
        e instanceof MydockerError &&
        e.exitCode === 125 &&
        e.message === 'the container name "ghost" is held by container ff2222222222, which has no record (a run or rm killed half-way)' &&
        e.hint === 'mydocker rm -f ff2222222222 removes what is left of it and frees the name',
    );
    assert.equal(fs.readFileSync(path.join(root.names, 'ghost'), 'utf8'), ID_C, 'never taken over');
    assert.equal(fs.existsSync(store.dir(ID_A)), false);
    // The ID the message gives leads rm -f to it, whole or as that prefix, as the name does.
    for (const ref of ['ghost', ID_C, ID_C.slice(0, 12)]) assert.equal(store.idOf(ref), ID_C, ref);
    assert.equal(store.idOf('ff3'), null);
  });
});
