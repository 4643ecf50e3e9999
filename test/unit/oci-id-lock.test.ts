// The per-container lock of mydocker-runc's create, start, kill and delete (src/oci/id-lock.ts), the
// lazy Kernel of the OCI commands (src/oci/deps.ts) and the store's removal of a container directory.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kernel } from '../../hooks/index.js';
import { idLockName, withIdLock } from '../../src/oci/id-lock.js';
import { lazyKernel } from '../../src/oci/deps.js';
import { OciStore } from '../../src/oci/store.js';
import { tempDir } from '../support/tmp.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src/oci/id-lock.js', import.meta.url));
// Unique per run: abstract names are shared by every process of the network namespace.
const ROOT = `/run/mydocker-runc-unit-${process.pid}-${Date.now()}`;

describe('the per-container lock', () => {
  it('a second holder of one ID waits until the first is done, then runs', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withIdLock(ROOT, 'a', async () => {
      order.push('first in');
      await held;
      order.push('first out');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = withIdLock(ROOT, 'a', async () => {
      order.push('second');
    });
    // However long it has been, the second has not run: the first still holds the lock.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(order, ['first in']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'first out', 'second']);
  });

  it('a holder that waits too long fails with one clear line, and its body never runs', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withIdLock(ROOT, 'b', () => held);
    await new Promise((resolve) => setTimeout(resolve, 20));
    let ran = false;
    await assert.rejects(
      withIdLock(ROOT, 'b', async () => void (ran = true), 50),
      /^MydockerError: container b is busy: another mydocker-runc command is working on it$/,
    );
    assert.equal(ran, false);
    release();
    await first;
  });

  it('other IDs, and the same ID under another root, do not wait', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withIdLock(ROOT, 'c', () => held);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await withIdLock(ROOT, 'd', async () => 'd', 0), 'd');
    assert.equal(await withIdLock(`${ROOT}-other`, 'c', async () => 'other root', 0), 'other root');
    release();
    await first;
  });

  it('a holder killed with SIGKILL leaves nothing held', async () => {
    const script = `import(${JSON.stringify(LOCK_MODULE)}).then(({ withIdLock }) => withIdLock(${JSON.stringify(ROOT)}, 'e', () => { console.log('held'); return new Promise(() => setInterval(() => {}, 1000)); }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    await assert.rejects(withIdLock(ROOT, 'e', async () => 'taken', 0), /busy/, 'held by the child while it lives');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(await withIdLock(ROOT, 'e', async () => 'taken'), 'taken');
  });

  it('is a bind of the abstract name, which a holder through node:net (another Node, or an older mydocker-runc) excludes, and the other way round', async () => {
    const name = idLockName(ROOT, 'f');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ path: name }, () => resolve()));
    await assert.rejects(withIdLock(ROOT, 'f', async () => 'taken', 0), /busy/, 'held through node:net');
    await new Promise((resolve) => server.close(resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withIdLock(ROOT, 'f', () => held);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const other = net.createServer();
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      other.once('error', resolve);
      other.listen({ path: name }, () => resolve(null));
    });
    assert.equal(error?.code, 'EADDRINUSE', 'node:net cannot take it while it is held');
    release();
    await first;
    assert.ok(!fs.readFileSync('/proc/net/unix', 'utf8').includes(name.slice(1)), 'released: the name is free again');
  });

  it('a command holding it loads neither node:net nor koffi for it', () => {
    const script = `import(${JSON.stringify(LOCK_MODULE)}).then(({ withIdLock }) => withIdLock(${JSON.stringify(ROOT)}, 'g', async () => { const loaded = process.moduleLoadList.filter((m) => /^NativeModule (net|cluster|child_process)$/.test(m)); console.log(JSON.stringify(loaded)); }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '[]\n');
    assert.equal(result.stderr, '', 'no deprecation warning, nothing');
  });

  it('names: an ID that could walk out is refused; a long ID is hashed to fit the 107 bytes of a socket name', () => {
    assert.throws(() => idLockName(ROOT, '../x'), /invalid container ID/);
    const long = 'x'.repeat(200);
    assert.ok(idLockName(ROOT, long).length <= 107);
    assert.notEqual(idLockName(ROOT, long), idLockName(ROOT, `${long}y`));
    assert.ok(idLockName(ROOT, 'abc').endsWith('/abc'));
  });
});

describe('the OCI commands\' lazy kernel', () => {
  it('loads the real kernel only at its first call', () => {
    let loads = 0;
    const real = { getpid: () => 42, name: 'real' } as unknown as Kernel;
    const kernel = lazyKernel(() => {
      loads++;
      return real;
    });
    // Passed around, awaited-checked and inspected: nothing loaded.
    assert.equal((kernel as unknown as { then?: unknown }).then, undefined);
    assert.equal(loads, 0);
    assert.equal((kernel as unknown as { getpid(): number }).getpid(), 42);
    assert.equal((kernel as unknown as { name: string }).name, 'real');
    assert.equal(loads, 2, 'the loader is asked each time (libcKernel caches the kernel itself)');
  });
});

describe('the OCI store\'s removal', () => {
  it('removes a container directory with its files, and one holding anything else, and an absent one quietly', (t) => {
    const root = tempDir(t, 'oci-store-remove');
    const store = new OciStore(root);
    for (const [id, extra] of [['plain', null], ['more', 'plugin-file']] as const) {
      const dir = store.reserve(id);
      fs.writeFileSync(path.join(dir, 'state.json'), '{}');
      fs.writeFileSync(path.join(dir, 'launch.bin'), 'x');
      if (extra !== null) fs.mkdirSync(path.join(dir, extra, 'deep'), { recursive: true });
      store.remove(id);
      assert.equal(fs.existsSync(dir), false, id);
    }
    store.remove('never-made');
  });
});
