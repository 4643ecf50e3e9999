// The volumes plugin's prepareRootfs and releaseRootfs against a recording kernel and temporary
// directories: what is mounted where, in which order, what is saved, and how a failure half-way
// is undone. Mount targets are /proc/self/fd paths: the kernel below resolves them as it records.
import { describe, it, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MNT, MS, type PluginState, type RootfsContext, type RootfsReleaseContext, type VolumeDriver, type VolumeInfo, type Volumes } from '../../hooks/index.js';
import { builtinPlugins } from '../../plugins/index.js';
import volumesPlugin from '../../plugins/volumes/index.js';
import { prepareVolumes, releaseVolumes, type VolumesDeps } from '../../plugins/volumes/mounts.js';
import { VolumeStore } from '../../plugins/volumes/store.js';
import { localDriver } from '../../plugins/volumes/local-driver.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { containerInfo, hookContext } from '../../src/runtime/contexts.js';
import { PluginError } from '../../src/errors.js';
import { FakeKernel, type FakeKernelOptions } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

/** Records every mount and umount with its /proc/self/fd target resolved to the host path. */
class ResolvingKernel extends FakeKernel {
  readonly log: string[] = [];

  constructor(options: FakeKernelOptions = {}) {
    super(options);
  }

  override mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
    this.log.push(`mount ${source ?? '-'} ${fs.readlinkSync(target)} ${flags.toString(16)}`);
    super.mount(source, target, fstype, flags, data);
  }

  override umount(target: string, flags: number): void {
    this.log.push(`umount ${fs.readlinkSync(target)} ${flags}`);
    super.umount(target, flags);
  }
}

interface World {
  dir: string;
  rootfs: string;
  store: VolumeStore;
  deps: VolumesDeps;
}

function world(t: TestContext, flags = 0): World {
  const dir = fs.realpathSync(tempDir(t));
  const rootfs = path.join(dir, 'merged');
  fs.mkdirSync(rootfs);
  const store = new VolumeStore(path.join(dir, 'state-root'));
  return { dir, rootfs, store, deps: { volumes: registry(localDriver(async () => store)), mountFlags: () => flags } };
}

/** The registered drivers, as the plugin host gives them ("local" first). */
function registry(...drivers: VolumeDriver[]): Volumes {
  const byName = new Map(drivers.map((d) => [d.name, d]));
  return {
    driver: (name) => {
      const driver = byName.get(name);
      if (!driver) throw new Error(`unknown volume driver "${name}"`);
      return driver;
    },
    find: async (name) => {
      for (const driver of byName.values()) {
        const volume = await driver.get(name);
        if (volume) return { driver, volume };
      }
      return null;
    },
    addUsers: () => {},
    usedBy: () => [],
  };
}

/** A driver whose volumes are directories it mounts on use, logging its calls (as a network file system driver would). */
function loggingDriver(dir: string, log: string[]): VolumeDriver {
  const volumes = new Map<string, VolumeInfo>();
  return {
    name: 'remote',
    create: async (name = 'made-up', options) => {
      log.push(`create ${name}${options?.anonymous ? ' anonymous' : ''}`);
      fs.mkdirSync(path.join(dir, name), { recursive: true });
      const volume = { name, mountpoint: path.join(dir, name), createdAt: '', anonymous: options?.anonymous ?? false };
      volumes.set(name, volume);
      return volume;
    },
    get: async (name) => volumes.get(name) ?? null,
    list: async () => [...volumes.values()],
    remove: async (name) => {
      log.push(`remove ${name}`);
      volumes.delete(name);
    },
    mount: async (name, id) => {
      log.push(`mount ${name} ${id.slice(0, 4)}`);
      return path.join(dir, name);
    },
    unmount: async (name, id) => {
      log.push(`unmount ${name} ${id.slice(0, 4)}`);
    },
  };
}

function prepareCtx(w: World, kernel: FakeKernel, volumes: string[], state: PluginState = {}, volumeDriver?: string): RootfsContext {
  const container = containerInfo(makeRecord({ options: volumeDriver ? { volumes, volumeDriver } : { volumes } }), path.join(w.dir, 'container'));
  return { container, state, kernel, rootfs: w.rootfs, layers: [] };
}

function releaseCtx(w: World, kernel: FakeKernel, state: PluginState, removeVolumes = false): RootfsReleaseContext {
  const container = containerInfo(makeRecord(), path.join(w.dir, 'container'));
  return { container, state, kernel, rootfs: w.rootfs, remove: removeVolumes, removeVolumes, errors: [] };
}

const BIND = (MS.BIND | MS.REC).toString(16);
const PRIVATE = (MS.REC | MS.PRIVATE).toString(16);

describe('prepareVolumes', () => {
  it('binds each source onto a mount point made in the root, parents first, and saves what it did', async (t) => {
    const w = world(t);
    const host = path.join(w.dir, 'host/missing'); // created, like Docker
    const kernel = new ResolvingKernel();
    const ctx = prepareCtx(w, kernel, [`${host}:/a/b`, 'data:/a', '/cache']);
    await prepareVolumes(ctx, w.deps);

    assert.ok(fs.statSync(host).isDirectory());
    const named = w.store.get('data')!;
    const anonymousName = (ctx.state.anonymous as Record<string, string>)['/cache']!;
    const anonymous = w.store.get(anonymousName)!;
    assert.equal(named.anonymous, false);
    assert.equal(anonymous.anonymous, true);
    const at = (p: string): string => path.join(w.rootfs, p);
    assert.deepEqual(kernel.log, [
      `mount ${named.mountpoint} ${at('a')} ${BIND}`,
      `mount - ${at('a')} ${PRIVATE}`,
      `mount ${anonymous.mountpoint} ${at('cache')} ${BIND}`,
      `mount - ${at('cache')} ${PRIVATE}`,
      `mount ${host} ${at('a/b')} ${BIND}`,
      `mount - ${at('a/b')} ${PRIVATE}`,
    ]);
    assert.deepEqual(ctx.state, { mounts: [at('a'), at('cache'), at('a/b')], names: ['data', anonymousName], anonymous: { '/cache': anonymousName }, drivers: { data: 'local', [anonymousName]: 'local' }, driverMounts: [] });
    // A fake kernel mounts nothing, so /a/b was made in the root itself rather than in the volume.
    assert.ok(fs.statSync(at('a/b')).isDirectory());
  });

  it('remounts :ro read-only, keeping nosuid, nodev, noexec and the atime flags of the source', async (t) => {
    const w = world(t, MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME | 0x10 /* MS_SYNCHRONOUS: not carried */);
    const host = path.join(w.dir, 'host');
    const kernel = new ResolvingKernel();
    await prepareVolumes(prepareCtx(w, kernel, [`${host}:/ro:ro`]), w.deps);
    const remount = (MS.REMOUNT | MS.BIND | MS.RDONLY | MS.REC | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME).toString(16);
    assert.equal(kernel.log.at(-1), `mount - ${path.join(w.rootfs, 'ro')} ${remount}`);
    assert.equal(kernel.log.length, 3);
  });

  it('binds a file onto an empty file made in the root', async (t) => {
    const w = world(t);
    const file = path.join(w.dir, 'resolv.conf');
    fs.writeFileSync(file, 'nameserver 192.168.0.1\n');
    const kernel = new ResolvingKernel();
    await prepareVolumes(prepareCtx(w, kernel, [`${file}:/etc/resolv.conf:ro`]), w.deps);
    assert.ok(fs.statSync(path.join(w.rootfs, 'etc/resolv.conf')).isFile());
    assert.equal(kernel.log[0], `mount ${file} ${path.join(w.rootfs, 'etc/resolv.conf')} ${BIND}`);
  });

  it('never follows the image\'s links out of the root', async (t) => {
    const w = world(t);
    const outside = path.join(w.dir, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(w.rootfs, 'evil'));
    fs.symlinkSync('../../../..', path.join(w.rootfs, 'up'));
    const kernel = new ResolvingKernel();
    await prepareVolumes(prepareCtx(w, kernel, ['v1:/evil/x', 'v2:/up/outside/y']), w.deps);
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.deepEqual(kernel.log.filter((l) => l.includes(' 5000')), [
      `mount ${w.store.dataDir('v1')} ${path.join(w.rootfs, outside, 'x')} ${BIND}`,
      `mount ${w.store.dataDir('v2')} ${path.join(w.rootfs, 'outside/y')} ${BIND}`,
    ]);
  });

  it('a restarted container gets its anonymous volume back', async (t) => {
    const w = world(t);
    const state: PluginState = {};
    await prepareVolumes(prepareCtx(w, new ResolvingKernel(), ['/cache'], state), w.deps);
    const first = (state.anonymous as Record<string, string>)['/cache'];
    await releaseVolumes(releaseCtx(w, new ResolvingKernel(), state), w.deps);
    await prepareVolumes(prepareCtx(w, new ResolvingKernel(), ['/cache'], state), w.deps);
    assert.deepEqual(state.anonymous, { '/cache': first });
    assert.deepEqual(state.names, [first]);
    assert.equal(w.store.list().length, 1);
  });

  it('saves each mount point before mounting: a failure on the third is undone, newest first', async (t) => {
    const w = world(t);
    const sources = ['s1', 's2', 's3'].map((s) => path.join(w.dir, s));
    const kernel = new ResolvingKernel({ failOn: { call: 'mount', when: (args) => args[0] === sources[2] } });
    const ctx = prepareCtx(w, kernel, [`${sources[0]}:/one`, `${sources[1]}:/two`, `${sources[2]}:/three`, '/never']);
    await assert.rejects(prepareVolumes(ctx, w.deps), /mount/);
    const targets = ['one', 'two', 'three'].map((p) => path.join(w.rootfs, p));
    assert.deepEqual(ctx.state.mounts, targets);
    assert.deepEqual(ctx.state.anonymous, {}, 'nothing after the failure was begun');

    // The third was never mounted: the kernel says so with EINVAL, which is fine.
    const undo: ResolvingKernel = new ResolvingKernel({ failOn: { call: 'umount', errno: 22, when: (): boolean => undo.log.at(-1)!.includes('/three') } });
    const release = releaseCtx(w, undo, ctx.state, true);
    await releaseVolumes(release, w.deps);
    assert.deepEqual(release.errors, []);
    assert.deepEqual(undo.log, [...targets].reverse().map((m) => `umount ${m} ${MNT.DETACH}`));
    assert.deepEqual(ctx.state.mounts, []);
  });

  it('refuses a mount point that is a file in the image for a directory source', async (t) => {
    const w = world(t);
    fs.writeFileSync(path.join(w.rootfs, 'file'), '');
    await assert.rejects(prepareVolumes(prepareCtx(w, new ResolvingKernel(), ['v1:/file']), w.deps), /\/file is not a directory/);
  });
});

describe('releaseVolumes', () => {
  it('unmounts newest first, keeps anonymous volumes unless removeVolumes, never deletes named or bind data', async (t) => {
    const w = world(t);
    const host = path.join(w.dir, 'host');
    const state: PluginState = {};
    await prepareVolumes(prepareCtx(w, new ResolvingKernel(), [`${host}:/h`, 'named:/n', '/anon'], state), w.deps);
    fs.writeFileSync(path.join(host, 'data'), 'x');
    const anonymousName = (state.anonymous as Record<string, string>)['/anon']!;

    const kernel = new ResolvingKernel();
    await releaseVolumes(releaseCtx(w, kernel, state), w.deps);
    assert.deepEqual(
      kernel.log,
      ['anon', 'n', 'h'].map((p) => `umount ${path.join(w.rootfs, p)} ${MNT.DETACH}`),
    );
    assert.deepEqual(state.mounts, []);
    assert.equal(w.store.list().length, 2, 'a plain release keeps every volume');
    assert.deepEqual(state.names, ['named', anonymousName], 'still in use by this container');

    const again = new ResolvingKernel();
    await releaseVolumes(releaseCtx(w, again, state, true), w.deps);
    assert.deepEqual(again.log, [], 'nothing left to unmount');
    assert.deepEqual(w.store.list().map((v) => v.name), ['named']);
    assert.equal(fs.readFileSync(path.join(host, 'data'), 'utf8'), 'x');
    assert.deepEqual(state.names, ['named']);
    assert.deepEqual(state.anonymous, {});
  });

  it('keeps a mount it could not undo, reports it, and then deletes no volume', async (t) => {
    const w = world(t);
    const state: PluginState = {};
    await prepareVolumes(prepareCtx(w, new ResolvingKernel(), ['/anon', '/other'], state), w.deps);
    const kernel = new ResolvingKernel({ failOn: { call: 'umount', errno: 1, nth: 1 } });
    const ctx = releaseCtx(w, kernel, state, true);
    await releaseVolumes(ctx, w.deps);
    assert.equal(ctx.errors.length, 1);
    assert.match(ctx.errors[0]!.message, /umount/);
    assert.deepEqual(state.mounts, [path.join(w.rootfs, 'other')]);
    assert.equal(w.store.list().length, 2);
  });

  it('never deletes a volume its metadata calls named, whatever the saved state says', async (t) => {
    const w = world(t);
    w.store.ensure('precious');
    const state: PluginState = { mounts: [], names: ['precious'], anonymous: { '/x': 'precious' } };
    await releaseVolumes(releaseCtx(w, new ResolvingKernel(), state, true), w.deps);
    assert.ok(w.store.get('precious'));
  });

  it('tolerates an empty or damaged state', async (t) => {
    const w = world(t);
    for (const state of [{}, { mounts: 7, anonymous: [] }] as PluginState[]) {
      const kernel = new ResolvingKernel();
      const ctx = releaseCtx(w, kernel, state, true);
      await releaseVolumes(ctx, w.deps);
      assert.deepEqual(ctx.errors, []);
      assert.deepEqual(kernel.calls, []);
    }
  });
});

describe('volume drivers other than local', () => {
  it('a volume is used from the driver that has it; --volume-driver makes the new ones; each is recorded with its driver', async (t) => {
    const w = world(t);
    const log: string[] = [];
    const remote = loggingDriver(path.join(w.dir, 'remote'), log);
    await remote.create('shared');
    w.store.ensure('kept-local');
    log.length = 0;
    const deps = { ...w.deps, volumes: registry(localDriver(async () => w.store), remote) };
    const state: PluginState = {};
    const ctx = prepareCtx(w, new ResolvingKernel(), ['shared:/s', 'kept-local:/l', 'fresh:/f', '/anon'], state, 'remote');
    await prepareVolumes(ctx, deps);

    const anonymousName = (state.anonymous as Record<string, string>)['/anon']!;
    assert.deepEqual(state.drivers, { shared: 'remote', 'kept-local': 'local', fresh: 'remote', [anonymousName]: 'remote' });
    assert.deepEqual(state.driverMounts, ['shared', 'fresh', anonymousName], 'in mount order');
    const id = ctx.container.id.slice(0, 4);
    assert.deepEqual(log.filter((l) => l.startsWith('create')), ['create fresh', `create ${anonymousName} anonymous`]);
    assert.deepEqual(log.filter((l) => l.startsWith('mount')), [`mount shared ${id}`, `mount fresh ${id}`, `mount ${anonymousName} ${id}`]);
    assert.equal(w.store.get('fresh'), null, 'the local driver made nothing');

    log.length = 0;
    const release = releaseCtx(w, new ResolvingKernel(), state, true);
    await releaseVolumes(release, deps);
    assert.deepEqual(release.errors, []);
    assert.deepEqual(log.slice(0, 3), [`unmount ${anonymousName} ${id}`, `unmount fresh ${id}`, `unmount shared ${id}`], 'newest first');
    assert.deepEqual(log.slice(3), [`remove ${anonymousName}`], 'the anonymous volume is removed by the driver that made it');
    assert.deepEqual(state.driverMounts, []);
    assert.ok(w.store.get('kept-local'));
  });

  it('a failed driver unmount is reported, kept for a retry, and no volume is deleted meanwhile', async (t) => {
    const w = world(t);
    const log: string[] = [];
    const remote = loggingDriver(path.join(w.dir, 'remote'), log);
    remote.unmount = async () => {
      throw new Error('the server is gone');
    };
    const deps = { ...w.deps, volumes: registry(localDriver(async () => w.store), remote) };
    const state: PluginState = {};
    const ctx = prepareCtx(w, new ResolvingKernel(), ['/anon'], state, 'remote');
    await prepareVolumes(ctx, deps);
    const release = releaseCtx(w, new ResolvingKernel(), state, true);
    await releaseVolumes(release, deps);
    assert.match(release.errors[0]!.message, /the server is gone/);
    assert.equal((state.driverMounts as string[]).length, 1);
    assert.equal((await remote.list()).length, 1);
  });
});

describe('the mydocker:volumes plugin', () => {
  it('is built in, and taps checkOptions, prepareRootfs and releaseRootfs', async () => {
    assert.ok(builtinPlugins.includes(volumesPlugin));
    const host = new PluginHost('/root');
    await host.use(volumesPlugin);
    for (const hook of ['checkOptions', 'prepareRootfs', 'releaseRootfs'] as const) {
      assert.deepEqual(host.hooks[hook].taps.map((tap) => tap.name), ['mydocker:volumes'], hook);
    }
  });

  it('through the host: saves its state under its name; a container without volumes costs no work', async (t) => {
    const w = world(t);
    const host = new PluginHost(path.join(w.dir, 'state-root'));
    await host.use(volumesPlugin);
    const kernel = new ResolvingKernel();
    const plain = makeRecord();
    await host.hooks.prepareRootfs.promise(hookContext(plain, w.dir, kernel, { rootfs: w.rootfs, layers: [] }));
    await host.hooks.releaseRootfs.promise(hookContext(plain, w.dir, kernel, { rootfs: w.rootfs, remove: true, removeVolumes: true, errors: [] }));
    assert.deepEqual(kernel.calls, []);

    const record = makeRecord({ options: { volumes: ['/anon'] } });
    await host.hooks.prepareRootfs.promise(hookContext(record, w.dir, kernel, { rootfs: w.rootfs, layers: [] }));
    const saved = record.pluginState['mydocker:volumes']!;
    assert.deepEqual(saved.mounts, [path.join(w.rootfs, 'anon')]);
    assert.equal(w.store.list().length, 1);
    const errors: Error[] = [];
    await host.hooks.releaseRootfs.promise(hookContext(record, w.dir, kernel, { rootfs: w.rootfs, remove: true, removeVolumes: true, errors }));
    assert.deepEqual(errors, []);
    assert.deepEqual(saved.mounts, []);
    assert.deepEqual(w.store.list(), []);
  });

  it('checkOptions refuses a bad spec in the plugin\'s name, and accepts good ones', async () => {
    const host = new PluginHost('/root');
    await host.use(volumesPlugin);
    host.hooks.checkOptions.call({ options: { volumes: ['/h:/a:ro', 'n1:/b', '/c'] }, root: '/root' });
    host.hooks.checkOptions.call({ options: {}, root: '/root' });
    assert.throws(
      () => host.hooks.checkOptions.call({ options: { volumes: ['/a:/b:xx'] }, root: '/root' }),
      (e: unknown) => e instanceof PluginError && /^plugin "mydocker:volumes" failed in hook checkOptions: invalid volume specification "\/a:\/b:xx"/.test(e.message),
    );
  });
});
