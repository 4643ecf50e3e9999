// Damaged state files of every kind, read by their stores (no root): each is reported by path with
// what is wrong, never taken as empty, and the other containers, images and networks still work.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetworkInfo } from '../../hooks/index.js';
import { isStateFileError } from '../../hooks/state-file.js';
import { ContainerStore } from '../../src/container/store.js';
import { ImageStore } from '../../src/image/store.js';
import { BitmapIpam } from '../../src/network/ipam.js';
import { NetworkStore } from '../../src/network/store.js';
import { StateRoot } from '../../src/state-root.js';
import { VolumeStore } from '../../plugins/volumes/store.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const ID_A = `a${'0'.repeat(63)}`;
const ID_B = `b${'1'.repeat(63)}`;
const LAYER = `sha256:${'e'.repeat(64)}`;

function reported(file: string, pattern: RegExp) {
  return (e: unknown) => isStateFileError(e) && e.file === file && pattern.test(e.message) && (e.hint ?? '') !== '';
}

describe('a damaged container record', () => {
  function setup(t: { after(fn: () => void): void }) {
    const root = new StateRoot(tempDir(t));
    const store = new ContainerStore(root);
    store.create(makeRecord({ id: ID_A, name: 'broken' }));
    store.create(makeRecord({ id: ID_B, name: 'fine' }));
    return { root, store, file: path.join(store.dir(ID_A), 'container.json') };
  }

  for (const [what, text, problem] of [
    ['{}', '{}', /: field id is missing$/],
    ['truncated', '{"id": "a0', /: not valid JSON$/],
    ['of a wrong type', JSON.stringify({ ...makeRecord({ id: ID_A }), state: { status: 'running', pid: 'x' } }), /: field state.pid must be an integer or null$/],
  ] as const) {
    it(`${what}: reported by path and field, with rm -f as the way out; the others are listed`, (t) => {
      const { store, file } = setup(t);
      fs.writeFileSync(file, text);
      for (const ref of ['broken', ID_A, ID_A.slice(0, 6)]) {
        assert.throws(() => store.resolve(ref), reported(file, problem), ref);
      }
      assert.throws(() => store.resolve('broken'), (e: unknown) => isStateFileError(e) && e.hint === 'remove the container with: mydocker rm -f a00000000000');
      const { records, broken } = store.scan();
      assert.deepEqual(records.map((r) => r.name), ['fine']);
      assert.deepEqual(broken.map((b) => [b.id, b.name]), [[ID_A, 'broken']]);
      assert.equal(store.resolve('fine').id, ID_B);
      assert.deepEqual(store.list().map((r) => r.name), ['fine']);
    });
  }

  it('a record whose id is another container\'s is refused', (t) => {
    const { store, file } = setup(t);
    fs.writeFileSync(file, JSON.stringify(makeRecord({ id: ID_B })));
    assert.throws(() => store.load(ID_A), reported(file, /field id is b11111111111, not the ID of its directory/));
  });

  it('a directory deleted while its container ran is reported by its name and ID, not "no such container"', (t) => {
    const { root, store } = setup(t);
    fs.mkdirSync(path.join(root.storage('overlay'), ID_A, 'merged'), { recursive: true });
    fs.rmSync(store.dir(ID_A), { recursive: true });
    for (const ref of ['broken', ID_A, ID_A.slice(0, 8)]) {
      assert.throws(() => store.resolve(ref), reported(store.dir(ID_A), /the container directory is missing/), ref);
    }
    assert.deepEqual(store.scan().broken.map((b) => [b.id, b.name]), [[ID_A, 'broken']]);
    // A directory without a record yet is a run still being created: not broken.
    fs.rmSync(path.join(root.storage('overlay'), ID_A), { recursive: true });
    fs.mkdirSync(store.dir(ID_A));
    assert.deepEqual(store.scan().broken, []);
  });

  it('a name file that holds no ID blocks the name with a message, not "in use by container unknown"', (t) => {
    const { root, store } = setup(t);
    fs.writeFileSync(path.join(root.names, 'web'), '');
    assert.throws(() => store.create(makeRecord({ id: `c${'2'.repeat(63)}`, name: 'web' })), reported(path.join(root.names, 'web'), /empty, it must hold a container ID/));
    assert.throws(() => store.resolve('web'), reported(path.join(root.names, 'web'), /empty/));
  });
});

describe('damaged image files', () => {
  async function setup(t: { after(fn: () => void): void }) {
    const root = new StateRoot(tempDir(t));
    const images = new ImageStore(root);
    fs.mkdirSync(path.join(root.layers, LAYER.slice(7), 'diff'), { recursive: true });
    const image = await images.writeImage({ layers: [LAYER], config: { Cmd: ['sh'] }, size: 1, history: [{ created: '2026-01-01T00:00:00.000Z', createdBy: 'test', size: 1 }], refs: ['one', 'two', 'three'] });
    return { root, images, image, repos: path.join(root.images, 'repositories.json'), config: path.join(root.images, `${image.id.slice(7)}.json`) };
  }

  it('a corrupt repositories.json is reported, and the next tag does not write over the other names', async (t) => {
    const { images, image, repos } = await setup(t);
    const before = fs.readFileSync(repos, 'utf8');
    const damaged = `${before.slice(0, 30)}`;
    fs.writeFileSync(repos, damaged);
    assert.throws(() => images.tagImage('one', 'four'), reported(repos, /not valid JSON/));
    assert.throws(() => images.find('one'), reported(repos, /not valid JSON/));
    assert.throws(() => images.list(), reported(repos, /not valid JSON/));
    assert.equal(fs.readFileSync(repos, 'utf8'), damaged, 'left as it was, for the user to repair');
    fs.writeFileSync(repos, '{"one:latest": 7}');
    assert.throws(() => images.find('one'), reported(repos, /field one:latest must be an image ID/));
    // Removed by the user, as the hint says: the image is still there by ID, and can be named again.
    fs.rmSync(repos);
    assert.equal(images.find(image.id.slice(7, 19))?.id, image.id);
    images.tagImage(image.id.slice(7, 19), 'one');
    assert.deepEqual(images.list().map((i) => i.repository), ['one']);
  });

  it('a corrupt image record: run is told why, the others are listed, and rmi removes it', async (t) => {
    const { images, image, config } = await setup(t);
    fs.writeFileSync(config, JSON.stringify({ id: image.id, layers: 'x' }));
    assert.throws(() => images.find('one'), reported(config, /field created is missing/));
    const listed = images.list();
    assert.equal(listed.length, 3);
    assert.ok(listed.every((i) => i.problem === `${config}: field created is missing`));
    // One name of three goes; then the others with the record. Its layer is kept: not known.
    assert.deepEqual(images.remove('two', { force: false, usedBy: [] }), { untagged: ['two:latest'], deleted: null, deletedParents: [] });
    assert.deepEqual(images.remove('one', { force: false, usedBy: [] }), { untagged: ['one:latest'], deleted: null, deletedParents: [] });
    assert.deepEqual(images.remove('three', { force: false, usedBy: [] }), { untagged: ['three:latest'], deleted: image.id, deletedParents: [] });
    assert.equal(fs.existsSync(config), false);
    assert.deepEqual(images.list(), []);
  });

  it('while one image record is unreadable, removing another keeps the layers they may share', async (t) => {
    const { root, images, image, config } = await setup(t);
    const other = await images.writeImage({ layers: [LAYER], config: { Cmd: ['true'] }, size: 1, history: [{ created: '2026-01-02T00:00:00.000Z', createdBy: 'x', size: 1 }], refs: ['other'] });
    assert.notEqual(other.id, image.id);
    fs.writeFileSync(config, '{');
    images.remove('other', { force: false, usedBy: [] });
    assert.ok(fs.existsSync(path.join(root.layers, LAYER.slice(7))), 'the layer stays');
  });
});

describe('damaged network files', () => {
  function network(id = ID_A, subnet = '198.18.7.0/29'): NetworkInfo {
    return { id, name: 'n1', driver: 'bridge', subnet, gateway: '198.18.7.1', created: '2026-01-01T00:00:00.000Z', isDefault: false, options: {} };
  }
  /** The network's record, which the IPAM requires before it hands out an address (a removed network gets none). */
  function stored(dir: string, net: NetworkInfo): NetworkInfo {
    fs.mkdirSync(path.join(dir, net.id), { recursive: true });
    fs.writeFileSync(path.join(dir, net.id, 'network.json'), JSON.stringify({ info: net, driverState: {}, plugins: [] }));
    return net;
  }

  it('a deleted ipam.json is not made again empty while containers of the network run', async (t) => {
    const dir = tempDir(t);
    let running: string[] = ['web'];
    const ipam = new BitmapIpam(dir, new FakeKernel(), () => running);
    const net = stored(dir, network());
    ipam.create(net);
    assert.equal(await ipam.allocate(net, ID_B, null), '198.18.7.2');
    const file = path.join(dir, ID_A, 'ipam.json');
    fs.rmSync(file);
    await assert.rejects(ipam.allocate(net, `c${'3'.repeat(63)}`, null), reported(file, /missing, while network n1 has running containers \(web\)/));
    assert.equal(fs.existsSync(file), false);
    // Once they are stopped the map is made again.
    running = [];
    assert.equal(await ipam.allocate(net, `c${'3'.repeat(63)}`, null), '198.18.7.2');
  });

  it('a corrupt ipam.json is reported, never taken as empty', async (t) => {
    const dir = tempDir(t);
    const ipam = new BitmapIpam(dir, new FakeKernel());
    const net = stored(dir, network());
    await ipam.allocate(net, ID_B, null);
    const file = path.join(dir, ID_A, 'ipam.json');
    fs.writeFileSync(file, '{"subnet": "198.18.7.0/29", "bitmap": 5, "owners": {}}');
    await assert.rejects(ipam.allocate(net, 'c1', null), reported(file, /field bitmap must be base64/));
    await assert.rejects(ipam.allocated(net), reported(file, /field bitmap must be base64/));
  });

  it('a corrupt network record: the others are listed, and it is named when asked for by ID', (t) => {
    const store = new NetworkStore(tempDir(t));
    store.save({ info: network(ID_A), driverState: {}, plugins: [] });
    store.save({ info: { ...network(ID_B, '198.18.8.0/29'), name: 'n2' }, driverState: {}, plugins: [] });
    const file = path.join(store.dir, ID_A, 'network.json');
    fs.writeFileSync(file, '{"info": {}}');
    assert.deepEqual(store.list().map((r) => r.info.name), ['n2']);
    assert.deepEqual(store.scan().broken.map((e) => e.message), [`${file}: field info.id is missing`]);
    assert.equal(store.find('n2')?.info.id, ID_B);
    assert.throws(() => store.find(ID_A.slice(0, 6)), reported(file, /field info.id is missing/));
    assert.equal(store.find('nothing'), null);
  });
});

describe('a damaged volume record', () => {
  it('is reported by inspect, and listed by name among the others', (t) => {
    const root = tempDir(t);
    const store = new VolumeStore(root);
    store.ensure('good');
    store.ensure('bad');
    const file = path.join(root, 'volumes', 'bad', 'volume.json');
    fs.writeFileSync(file, '{"Anonymous": "yes"}');
    assert.throws(() => store.get('bad'), reported(file, /field Anonymous must be true or false/));
    assert.deepEqual(store.list().map((v) => v.name), ['bad', 'good']);
    fs.rmSync(file);
    assert.equal(store.get('bad')?.anonymous, false, 'without metadata: a named volume');
  });
});
