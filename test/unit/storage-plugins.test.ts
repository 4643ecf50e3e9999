import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StorageContext } from '../../hooks/index.js';
import { MNT } from '../../hooks/index.js';
import { builtinPlugins } from '../../plugins/index.js';
import { clearVolatileMark, overlayDriver } from '../../plugins/storage/overlay.js';
import { aufsDriver } from '../../plugins/storage/aufs.js';
import { ensureFilesystem, kernelHasFilesystem, unmountIfMounted } from '../../plugins/storage/filesystems.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { containerInfo } from '../../src/runtime/contexts.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

function storageCtx(dir: string, kernel: FakeKernel, layers: string[], throwaway = false): StorageContext {
  return { container: containerInfo(makeRecord(), path.join(dir, 'state')), state: {}, kernel, layers, dir, throwaway };
}

describe('kernelHasFilesystem', () => {
  it('reads the last tab-separated column of /proc/filesystems', (t) => {
    const file = path.join(tempDir(t), 'filesystems');
    fs.writeFileSync(file, 'nodev\tsysfs\nnodev\toverlay\n\text4\n');
    assert.equal(kernelHasFilesystem('overlay', file), true);
    assert.equal(kernelHasFilesystem('ext4', file), true);
    assert.equal(kernelHasFilesystem('aufs', file), false);
    assert.equal(kernelHasFilesystem('nodev', file), false);
    assert.equal(kernelHasFilesystem('overlay', path.join(path.dirname(file), 'missing')), false);
  });
});

describe('ensureFilesystem', () => {
  it('loads no module when /proc/filesystems lists the type already', (t) => {
    const file = path.join(tempDir(t), 'filesystems');
    fs.writeFileSync(file, 'nodev\toverlay\n');
    const asked: string[] = [];
    assert.equal(ensureFilesystem('overlay', { procFilesystems: file, load: (m) => asked.push(m) }), true);
    assert.deepEqual(asked, []);
  });

  it('loads the module when the type is missing, then looks again', (t) => {
    const file = path.join(tempDir(t), 'filesystems');
    fs.writeFileSync(file, 'nodev\tsysfs\n');
    const load = (module: string): void => fs.appendFileSync(file, `nodev\t${module}\n`); // the kernel registers it
    assert.equal(ensureFilesystem('overlay', { procFilesystems: file, load }), true);
  });

  it('says no when loading did not help (a failed modprobe is not itself an error)', (t) => {
    const file = path.join(tempDir(t), 'filesystems');
    fs.writeFileSync(file, 'nodev\tsysfs\n');
    const asked: string[] = [];
    assert.equal(ensureFilesystem('aufs', { procFilesystems: file, load: (m) => asked.push(m) }), false);
    assert.deepEqual(asked, ['aufs']);
  });
});

describe('unmountIfMounted', () => {
  it('treats "not mounted" and "no such path" as done', () => {
    for (const errno of [22 /* EINVAL */, 2 /* ENOENT */]) {
      const kernel = new FakeKernel({ failOn: { call: 'umount', errno } });
      unmountIfMounted(kernel, '/m');
      assert.deepEqual(kernel.calls, [{ call: 'umount', args: ['/m', 0] }]);
    }
  });

  it('detaches a busy mount', () => {
    const kernel = new FakeKernel({ failOn: { call: 'umount', errno: 16 /* EBUSY */, nth: 1 } });
    unmountIfMounted(kernel, '/m');
    assert.deepEqual(kernel.calls, [
      { call: 'umount', args: ['/m', 0] },
      { call: 'umount', args: ['/m', MNT.DETACH] },
    ]);
  });

  it('rethrows other failures', () => {
    const kernel = new FakeKernel({ failOn: { call: 'umount', errno: 1 /* EPERM */ } });
    assert.throws(() => unmountIfMounted(kernel, '/m'), (e: unknown) => (e as { code?: string }).code === 'EPERM');
  });
});

describe('overlay storage driver', () => {
  it('mounts the layers as lower dirs under its own upper and work dirs', async (t) => {
    const dir = path.join(tempDir(t), 'storage', 'c1');
    const kernel = new FakeKernel();
    const ctx = storageCtx(dir, kernel, ['/layers/top', '/layers/bottom']);
    const merged = await overlayDriver.mount(ctx);
    assert.equal(merged, path.join(dir, 'merged'));
    for (const d of ['upper', 'work', 'merged']) assert.ok(fs.statSync(path.join(dir, d)).isDirectory(), d);
    assert.deepEqual(kernel.calls, [
      {
        call: 'mount',
        args: ['overlay', merged, 'overlay', 0, `lowerdir=/layers/top:/layers/bottom,upperdir=${dir}/upper,workdir=${dir}/work`],
      },
    ]);
    assert.deepEqual(ctx.state, { merged });
  });

  it('a throwaway layer (--rm) is mounted volatile: its unmount skips the sync of the state root\'s disk', async (t) => {
    const dir = path.join(tempDir(t), 'c1');
    const kernel = new FakeKernel();
    await overlayDriver.mount(storageCtx(dir, kernel, ['/l'], true));
    assert.deepEqual(kernel.callsOf('mount').map((c) => c.args[4]), [`lowerdir=/l,upperdir=${dir}/upper,workdir=${dir}/work,volatile`]);
  });

  it('a kernel without volatile (EINVAL) mounts the layer as any other', async (t) => {
    const dir = path.join(tempDir(t), 'c1');
    const kernel = new FakeKernel({ failOn: { call: 'mount', errno: 22, nth: 1 } });
    await overlayDriver.mount(storageCtx(dir, kernel, ['/l'], true));
    assert.deepEqual(kernel.callsOf('mount').map((c) => c.args[4]), [`lowerdir=/l,upperdir=${dir}/upper,workdir=${dir}/work,volatile`, `lowerdir=/l,upperdir=${dir}/upper,workdir=${dir}/work`]);
  });

  it("a volatile mount's mark, which overlayfs refuses to mount again, goes when made since this boot; an older one is refused", async (t) => {
    const dir = path.join(tempDir(t), 'c1');
    const work = path.join(dir, 'work');
    const mark = path.join(work, 'work', 'incompat', 'volatile');
    fs.mkdirSync(mark, { recursive: true });
    assert.throws(() => clearVolatileMark(work, Date.now() + 60_000), /before the host restarted: its files may be incomplete/);
    assert.ok(fs.existsSync(mark));
    const kernel = new FakeKernel();
    await overlayDriver.mount(storageCtx(dir, kernel, ['/l'], true)); // made a moment ago: this boot
    assert.equal(fs.existsSync(path.join(work, 'work', 'incompat')), false);
    assert.equal(kernel.callsOf('mount').length, 1);
  });

  it("refuses paths that overlayfs options cannot carry, before mounting", async (t) => {
    const kernel = new FakeKernel();
    for (const layers of [['/layers/a,b'], ['/layers/a:b']]) {
      await assert.rejects(overlayDriver.mount(storageCtx(path.join(tempDir(t), 'c'), kernel, layers)), /contains ',' or ':'/);
    }
    await assert.rejects(overlayDriver.mount(storageCtx(path.join(tempDir(t), 'x:y'), kernel, ['/l'])), /contains ',' or ':'/);
    assert.deepEqual(kernel.calls, []);
  });

  it('unmount is idempotent and remove deletes its directory', async (t) => {
    const dir = path.join(tempDir(t), 'c1');
    const kernel = new FakeKernel({ failOn: { call: 'umount', errno: 22, nth: 2 } });
    const ctx = storageCtx(dir, kernel, ['/l']);
    await overlayDriver.mount(ctx);
    await overlayDriver.unmount(ctx);
    await overlayDriver.unmount(ctx); // EINVAL: no longer mounted
    assert.deepEqual(kernel.callsOf('umount').map((c) => c.args), [
      [path.join(dir, 'merged'), 0],
      [path.join(dir, 'merged'), 0],
    ]);
    await overlayDriver.remove(ctx);
    assert.equal(fs.existsSync(dir), false);
    await overlayDriver.remove(ctx);
  });
});

describe('aufs storage driver', () => {
  it('mounts its rw branch over the layers read-only with whiteouts', async (t) => {
    const dir = path.join(tempDir(t), 'c1');
    const kernel = new FakeKernel();
    const ctx = storageCtx(dir, kernel, ['/layers/top', '/layers/bottom']);
    const merged = await aufsDriver.mount(ctx);
    assert.deepEqual(kernel.calls, [
      { call: 'mount', args: ['none', merged, 'aufs', 0, `br=${dir}/rw=rw:/layers/top=ro+wh:/layers/bottom=ro+wh`] },
    ]);
    assert.deepEqual(ctx.state, { merged });
  });
});

describe('built-in plugins', () => {
  it('register the overlay and aufs drivers, and the exec path', async () => {
    const host = new PluginHost('/root');
    for (const plugin of builtinPlugins) await host.use(plugin);
    assert.equal(host.storageDriver('overlay'), overlayDriver);
    assert.equal(host.storageDriver('aufs'), aufsDriver);
    assert.deepEqual(builtinPlugins.map((p) => p.name).slice(0, 4), ['mydocker:overlay', 'mydocker:aufs', 'mydocker:exec', 'mydocker:cgroups']);
    // The cgroups tap runs first (stage -10): it opens the host's cgroup files before exec's setns.
    assert.deepEqual(host.hooks.enterNamespace.taps.map((tap) => tap.name), ['mydocker:cgroups', 'mydocker:exec']);
  });
});
