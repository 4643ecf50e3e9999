// The image store's side of `build`: config-only images, one config key order, and rmi taking a
// build's nameless parents with the image (no layers needed: config-only images have none).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ImageStore } from '../../src/image/store.js';
import { StateRoot } from '../../src/state-root.js';
import { tempDir } from '../support/tmp.js';

function store(t: { after(fn: () => void): void }): ImageStore {
  return new ImageStore(new StateRoot(tempDir(t)));
}

describe('build images in the store', () => {
  it('a config-only image keeps its parent and marks its history line as making no layer', async (t) => {
    const images = store(t);
    const base = await images.addConfigImage({ parent: null, config: { Cmd: ['sh'] }, createdBy: 'base' });
    const child = await images.addConfigImage({ parent: base, config: { ...base.config, Env: ['A=1'] }, createdBy: '/bin/sh -c #(nop) ENV A=1' });
    assert.equal(child.parent, base.id);
    assert.deepEqual(child.layers, []);
    assert.deepEqual(child.history!.map((h) => [h.createdBy, h.emptyLayer]), [['base', true], ['/bin/sh -c #(nop) ENV A=1', true]]);
    assert.deepEqual(Object.keys(child.config), ['Env', 'Cmd'], 'the keys in the one order');
    const same = await images.writeImage({ layers: [], config: { Cmd: ['sh'], Env: ['A=1'] }, size: 0, history: [], refs: [] });
    assert.equal(same.id, child.id, 'the same config in another key order is the same image');
    assert.deepEqual(images.find(child.id), child, 'written and read back whole (the record check passes)');
  });

  it('rmi removes the nameless parents that have no other child, name or container', async (t) => {
    const images = store(t);
    const named = await images.addConfigImage({ parent: null, config: { Env: ['A=0'] }, createdBy: 'a' });
    await images.writeImage({ layers: [], config: named.config, size: 0, history: [], refs: ['base'] });
    const shared = await images.addConfigImage({ parent: named, config: { Env: ['A=1'] }, createdBy: 'b' });
    const sibling = await images.addConfigImage({ parent: shared, config: { Env: ['A=2'] }, createdBy: 'c' });
    const used = await images.addConfigImage({ parent: shared, config: { Env: ['A=3'] }, createdBy: 'd' });
    const mine = await images.addConfigImage({ parent: used, config: { Env: ['A=4'] }, createdBy: 'e' });
    const top = await images.writeImage({ layers: [], config: { Env: ['A=5'] }, size: 0, history: [], refs: ['top'], parent: mine.id });
    const removed = images.remove('top', { force: false, usedBy: [], inUse: (id) => id === used.id });
    assert.deepEqual(removed, { untagged: ['top:latest'], deleted: top.id, deletedParents: [mine.id] }, 'stops at a parent a container uses');
    assert.equal(images.find(used.id)?.id, used.id);
    await images.writeImage({ layers: [], config: used.config, size: 0, history: [], refs: ['again'] });
    const second = images.remove('again', { force: false, usedBy: [], inUse: () => false });
    assert.deepEqual(second.deletedParents, [], 'shared has another child (sibling)');
    assert.ok(images.find(sibling.id) && images.find(shared.id) && images.find('base'));
  });
});
