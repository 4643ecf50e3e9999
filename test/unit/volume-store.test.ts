// The volume store against a temporary state root, and who uses a volume (from saved plugin state).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VolumeError } from '../../hooks/volumes.js';
import { VolumeStore, randomVolumeName } from '../../plugins/volumes/store.js';
import { VOLUMES_PLUGIN, containersUsing, volumesState } from '../../plugins/volumes/state.js';
import { tempDir } from '../support/tmp.js';
import type { PluginState } from '../../hooks/index.js';

const isVolumeError = (reason: string) => (e: unknown) => e instanceof VolumeError && e.reason === reason;

describe('VolumeStore', () => {
  it('creates a named volume: <root>/volumes/<name>/_data and its metadata', (t) => {
    const root = tempDir(t);
    const store = new VolumeStore(root);
    const { volume, created } = store.ensure('data');
    assert.equal(created, true);
    assert.equal(volume.name, 'data');
    assert.equal(volume.mountpoint, path.join(root, 'volumes/data/_data'));
    assert.equal(volume.anonymous, false);
    assert.ok(fs.statSync(volume.mountpoint).isDirectory());
    assert.ok(!Number.isNaN(Date.parse(volume.createdAt)));
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'volumes/data/volume.json'), 'utf8'));
    assert.deepEqual(meta, { Name: 'data', CreatedAt: volume.createdAt, Anonymous: false });
    assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')), ['data'], 'no temporary directory left');
  });

  it('ensure of an existing name returns it untouched', (t) => {
    const store = new VolumeStore(tempDir(t));
    const first = store.ensure('data').volume;
    fs.writeFileSync(path.join(first.mountpoint, 'kept'), 'x');
    const again = store.ensure('data');
    assert.equal(again.created, false);
    assert.deepEqual(again.volume, first);
    assert.equal(fs.readFileSync(path.join(first.mountpoint, 'kept'), 'utf8'), 'x');
  });

  it('anonymous volumes have a random 64-hex name and say so', (t) => {
    const store = new VolumeStore(tempDir(t));
    const a = store.createAnonymous();
    const b = store.createAnonymous();
    assert.match(a.name, /^[0-9a-f]{64}$/);
    assert.notEqual(a.name, b.name);
    assert.equal(a.anonymous, true);
    assert.equal(store.get(a.name)?.anonymous, true);
    assert.match(randomVolumeName(), /^[0-9a-f]{64}$/);
  });

  it('lists volumes by name, skipping what is not a volume', (t) => {
    const root = tempDir(t);
    const store = new VolumeStore(root);
    assert.deepEqual(store.list(), [], 'no volumes directory yet');
    store.ensure('zeta');
    store.ensure('alpha');
    fs.mkdirSync(path.join(root, 'volumes/.new-half-done/_data'), { recursive: true });
    fs.mkdirSync(path.join(root, 'volumes/no-data-dir'));
    fs.writeFileSync(path.join(root, 'volumes/stray-file'), '');
    // Made by hand, without metadata: still a (named) volume.
    fs.mkdirSync(path.join(root, 'volumes/by-hand/_data'), { recursive: true });
    assert.deepEqual(store.list().map((v) => v.name), ['alpha', 'by-hand', 'zeta']);
    assert.equal(store.get('by-hand')?.anonymous, false);
  });

  it('get is null for an unknown or invalid name', (t) => {
    const store = new VolumeStore(tempDir(t));
    assert.equal(store.get('missing'), null);
    assert.equal(store.get('../etc'), null);
    assert.equal(store.get(''), null);
  });

  it('removes a volume with its data; an unknown one is a not-found refusal', (t) => {
    const root = tempDir(t);
    const store = new VolumeStore(root);
    const v = store.ensure('data').volume;
    fs.mkdirSync(path.join(v.mountpoint, 'sub'));
    fs.writeFileSync(path.join(v.mountpoint, 'sub/f'), 'x');
    store.remove('data');
    assert.equal(store.get('data'), null);
    assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')), []);
    assert.throws(() => store.remove('data'), isVolumeError('not-found'));
  });

  it('refuses invalid names before touching the disk', (t) => {
    const root = tempDir(t);
    const store = new VolumeStore(root);
    for (const name of ['../x', 'a/b', '.hidden', 'x', '', '-a']) {
      assert.throws(() => store.ensure(name), isVolumeError('invalid-name'), name);
      assert.throws(() => store.remove(name), isVolumeError('invalid-name'), name);
    }
    assert.equal(fs.existsSync(path.join(root, 'volumes')), false);
  });
});

describe('volume state', () => {
  it('volumesState repairs a missing or damaged state in place', () => {
    const state: PluginState = { mounts: 'x', names: [1], anonymous: ['a'], drivers: { v: 3 }, driverMounts: null };
    const typed = volumesState(state);
    assert.deepEqual(state, { mounts: [], names: [], anonymous: {}, drivers: {}, driverMounts: [] });
    typed.mounts.push('/m');
    assert.deepEqual(state.mounts, ['/m'], 'the typed view is the saved state');
    const kept = { mounts: ['/a'], names: ['v'], anonymous: { '/c': 'v' }, drivers: { v: 'local' }, driverMounts: ['v'] };
    assert.deepEqual(volumesState(kept), { mounts: ['/a'], names: ['v'], anonymous: { '/c': 'v' }, drivers: { v: 'local' }, driverMounts: ['v'] });
    // Records older than volume drivers have neither field: every volume was the local driver's.
    assert.deepEqual(volumesState({ mounts: [], names: ['v'], anonymous: {} }).drivers, {});
  });

  it('containersUsing names every container whose saved state lists the volume', () => {
    const records: Array<{ name: string; pluginState: Record<string, PluginState> }> = [
      { name: 'a', pluginState: { [VOLUMES_PLUGIN]: { mounts: [], names: ['data', 'other'], anonymous: {} } } },
      { name: 'b', pluginState: {} },
      { name: 'c', pluginState: { [VOLUMES_PLUGIN]: { names: ['data'] } } },
      { name: 'd', pluginState: { [VOLUMES_PLUGIN]: { names: 'data' } } },
    ];
    assert.deepEqual(containersUsing(records, 'data'), ['a', 'c']);
    assert.deepEqual(containersUsing(records, 'other'), ['a']);
    assert.deepEqual(containersUsing(records, 'none'), []);
  });
});
