// StateRoot.secure against temporary roots: a fresh root is made 0710, an old one with 0755
// directories is repaired (0710 root, 0700 private directories), it is idempotent and cheap, and
// it refuses roots it must not chmod. Also the modes the overlay driver and volume store create.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_DIRS, StateRoot, resolveRoot } from '../../src/state-root.js';
import { MydockerError } from '../../src/errors.js';
import { VolumeStore } from '../../plugins/volumes/store.js';
import { overlayDriver } from '../../plugins/storage/overlay.js';
import { aufsDriver } from '../../plugins/storage/aufs.js';
import { containerInfo } from '../../src/runtime/contexts.js';
import type { StorageContext } from '../../hooks/index.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

function storageCtx(root: string, driver: string): StorageContext {
  const dir = path.join(root, 'storage', driver, 'c1');
  return { container: containerInfo(makeRecord(), path.join(root, 'containers/c1')), state: {}, kernel: new FakeKernel(), layers: [path.join(root, 'layers/l1/diff')], dir };
}

const modeOf = (file: string): number => fs.statSync(file).mode & 0o7777;

function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

describe('StateRoot.secure', () => {
  it('creates a missing root (and its parents) with mode 0710, whatever the umask', (t) => {
    const dir = path.join(tempDir(t), 'a', 'b', 'root');
    withUmask(0o077, () => new StateRoot(dir).secure());
    assert.equal(modeOf(dir), 0o710);
    assert.deepEqual(fs.readdirSync(dir), [], 'makes no subdirectory: their owners do, 0700');
    assert.equal(modeOf(path.dirname(dir)) & 0o700, 0o700, 'parents as mkdir -p makes them');
  });

  it('repairs a root made with open modes: root 0710, private directories 0700', (t) => {
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o755);
    for (const name of PRIVATE_DIRS) fs.mkdirSync(path.join(dir, name), { mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'storage/overlay/c1/upper'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'other'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'config.json'), '{}', { mode: 0o644 });
    new StateRoot(dir).secure();
    assert.equal(modeOf(dir), 0o710);
    for (const name of PRIVATE_DIRS) assert.equal(modeOf(path.join(dir, name)), 0o700, name);
    // Nothing below the top level is walked or changed; a directory not listed is left alone.
    assert.equal(modeOf(path.join(dir, 'storage/overlay/c1/upper')), 0o755);
    assert.equal(modeOf(path.join(dir, 'other')), 0o755);
    assert.equal(modeOf(path.join(dir, 'config.json')), 0o644);
  });

  it('fixes modes that are too tight or odd too, and a setgid bit', (t) => {
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o2700);
    fs.mkdirSync(path.join(dir, 'containers'));
    fs.chmodSync(path.join(dir, 'containers'), 0o500);
    new StateRoot(dir).secure();
    assert.equal(modeOf(dir), 0o710);
    assert.equal(modeOf(path.join(dir, 'containers')), 0o700);
  });

  it('is idempotent: a second call changes nothing (not even ctime)', (t) => {
    const dir = tempDir(t);
    fs.mkdirSync(path.join(dir, 'containers'), { mode: 0o755 });
    const root = new StateRoot(dir);
    root.secure();
    const before = [dir, path.join(dir, 'containers')].map((f) => fs.statSync(f, { bigint: true }).ctimeNs);
    root.secure();
    root.secure();
    const after = [dir, path.join(dir, 'containers')].map((f) => fs.statSync(f, { bigint: true }).ctimeNs);
    assert.deepEqual(after, before);
    assert.equal(modeOf(dir), 0o710);
    assert.equal(modeOf(path.join(dir, 'containers')), 0o700);
  });

  it('on a secured root (mode 0710) it is one stat: nothing below is looked at', (t) => {
    const dir = tempDir(t);
    fs.mkdirSync(path.join(dir, 'containers'), { mode: 0o700 });
    const root = new StateRoot(dir);
    root.secure();
    // Directories are made 0700 by their owners; one opened by hand later is left as it is...
    fs.chmodSync(path.join(dir, 'containers'), 0o755);
    root.secure();
    assert.equal(modeOf(path.join(dir, 'containers')), 0o755);
    // ...until the root's mode says it needs the repair again (an interrupted one, an old mydocker).
    fs.chmodSync(dir, 0o711);
    root.secure();
    assert.equal(modeOf(path.join(dir, 'containers')), 0o700);
    assert.equal(modeOf(dir), 0o710);
  });

  it('follows a symlinked private directory to the data it holds', (t) => {
    const base = tempDir(t);
    const dir = path.join(base, 'root');
    const elsewhere = path.join(base, 'big-disk-storage');
    fs.mkdirSync(dir);
    fs.mkdirSync(elsewhere, { mode: 0o755 });
    fs.chmodSync(elsewhere, 0o755);
    fs.symlinkSync(elsewhere, path.join(dir, 'storage'));
    new StateRoot(dir).secure();
    assert.equal(modeOf(elsewhere), 0o700);
  });

  it('refuses a world-writable root (say /tmp) instead of chmodding it', (t) => {
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o1777);
    assert.throws(() => new StateRoot(dir).secure(), (e: unknown) => e instanceof MydockerError && /writable by everyone/.test(e.message));
    assert.equal(modeOf(dir), 0o1777);
  });

  it('refuses a root that is a file, with a MydockerError', (t) => {
    const file = path.join(tempDir(t), 'root');
    fs.writeFileSync(file, '');
    assert.throws(() => new StateRoot(file).secure(), (e: unknown) => e instanceof MydockerError && /not a directory/.test(e.message));
    const below = path.join(file, 'root');
    assert.throws(() => new StateRoot(below).secure(), (e: unknown) => e instanceof MydockerError && e.message.startsWith(`cannot prepare the state root ${below}:`));
  });

  it('costs far under a millisecond on a secured root', (t) => {
    const dir = tempDir(t);
    for (const name of PRIVATE_DIRS) fs.mkdirSync(path.join(dir, name), { mode: 0o700 });
    const root = new StateRoot(resolveRoot(dir));
    root.secure();
    const rounds = 2000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) root.secure();
    const perCallUs = Number(process.hrtime.bigint() - start) / rounds / 1000;
    t.diagnostic(`secure(): ${perCallUs.toFixed(1)} µs per call`); // measured, not asserted: the machine is shared
    // What keeps it cheap: a root already 0711 costs one stat, and its sub-directories are not
    // looked at again (so a mode changed under one is repaired only when the root's is wrong too).
    fs.chmodSync(path.join(dir, PRIVATE_DIRS[0]!), 0o755);
    root.secure();
    assert.equal(fs.statSync(path.join(dir, PRIVATE_DIRS[0]!)).mode & 0o777, 0o755);
  });
});

describe('modes of what the stores create', () => {
  it('the volume store: volumes/ and each volume 0700, _data 0755 whatever the umask', (t) => {
    const dir = tempDir(t);
    const { volume } = withUmask(0o077, () => new VolumeStore(dir).ensure('vol'));
    assert.equal(modeOf(path.join(dir, 'volumes')), 0o700);
    assert.equal(modeOf(path.join(dir, 'volumes', 'vol')), 0o700);
    assert.equal(modeOf(volume.mountpoint), 0o755);
  });

  it("the overlay driver: storage/, its own and the container's directory 0700, upper 0755 (the container's /)", async (t) => {
    const root = tempDir(t);
    const ctx = storageCtx(root, 'overlay');
    await withUmask(0o077, () => overlayDriver.mount(ctx));
    for (const d of ['storage', 'storage/overlay', 'storage/overlay/c1', 'storage/overlay/c1/work', 'storage/overlay/c1/merged']) {
      assert.equal(modeOf(path.join(root, d)), 0o700, d);
    }
    assert.equal(modeOf(path.join(ctx.dir, 'upper')), 0o755);
    // A restarted container's upper directory keeps the mode the container gave its "/".
    fs.chmodSync(path.join(ctx.dir, 'upper'), 0o750);
    await overlayDriver.mount(ctx);
    assert.equal(modeOf(path.join(ctx.dir, 'upper')), 0o750);
  });

  it("the aufs driver: the container's directory 0700, its branch 0755", async (t) => {
    const root = tempDir(t);
    const ctx = storageCtx(root, 'aufs');
    await aufsDriver.mount(ctx);
    for (const d of ['storage', 'storage/aufs', 'storage/aufs/c1', 'storage/aufs/c1/merged']) assert.equal(modeOf(path.join(root, d)), 0o700, d);
    assert.equal(modeOf(path.join(ctx.dir, 'rw')), 0o755);
  });
});
