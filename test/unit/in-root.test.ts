// Mount points inside a container's root with hostile symlinks: absolute links to host paths, '..'
// chains, loops. Nothing may be created, or mounted, outside the temporary root.
import { describe, it, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MNT } from '../../hooks/index.js';
import { makeMountPoint, unmountPinned, withPinnedPath } from '../../hooks/in-root.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

/** <tmp>/root is the container's root, <tmp>/outside a host directory that must stay empty. */
function layout(t: TestContext): { root: string; outside: string } {
  const dir = fs.realpathSync(tempDir(t));
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  return { root, outside };
}

function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('makeMountPoint', () => {
  it('creates the missing directories of the target inside the root', (t) => {
    const { root } = layout(t);
    assert.equal(makeMountPoint(root, '/a/b/c', 'directory'), path.join(root, 'a/b/c'));
    assert.ok(fs.statSync(path.join(root, 'a/b/c')).isDirectory());
    assert.equal(fs.statSync(path.join(root, 'a/b')).mode & 0o777, 0o755 & ~process.umask());
    assert.equal(makeMountPoint(root, '/a/b/c', 'directory'), path.join(root, 'a/b/c'), 'an existing one is fine');
  });

  it('an absolute link leads back into the root, never to the host path it names', (t) => {
    const { root, outside } = layout(t);
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.symlinkSync('/etc', path.join(root, 'etc-link'));
    const unique = `mydocker-unit-${process.pid}-${Date.now()}`;
    assert.equal(makeMountPoint(root, '/escape/x', 'directory'), path.join(root, outside, 'x'));
    assert.equal(makeMountPoint(root, `/etc-link/${unique}`, 'directory'), path.join(root, 'etc', unique));
    assert.deepEqual(tree(outside), []);
    assert.equal(fs.existsSync(path.join('/etc', unique)), false);
  });

  it("'..' chains, in links and in the target, stop at the root", (t) => {
    const { root, outside } = layout(t);
    fs.mkdirSync(path.join(root, 'deep/er'), { recursive: true });
    fs.symlinkSync('../../../../../../../../outside', path.join(root, 'deep/er/up'));
    assert.equal(makeMountPoint(root, '/deep/er/up/x', 'directory'), path.join(root, 'outside/x'));
    assert.equal(makeMountPoint(root, '/../../../outside/y', 'directory'), path.join(root, 'outside/y'));
    assert.equal(makeMountPoint(root, '/deep/../../..//outside/z', 'directory'), path.join(root, 'outside/z'));
    assert.deepEqual(tree(outside), []);
  });

  it('follows chains of links within the root, and a final link too', (t) => {
    const { root, outside } = layout(t);
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync('b', path.join(root, 'a'));
    fs.symlinkSync('/c', path.join(root, 'b'));
    fs.symlinkSync('real/../../..', path.join(root, 'c'));
    fs.symlinkSync(outside, path.join(root, 'real/last'));
    assert.equal(makeMountPoint(root, '/a/d', 'directory'), path.join(root, 'd'));
    assert.equal(makeMountPoint(root, '/real/last', 'directory'), path.join(root, outside));
    assert.deepEqual(tree(outside), []);
  });

  it('refuses link loops, a file in the way, and a target that is the root itself', (t) => {
    const { root, outside } = layout(t);
    fs.symlinkSync('l2', path.join(root, 'l1'));
    fs.symlinkSync('l1', path.join(root, 'l2'));
    fs.writeFileSync(path.join(root, 'file'), '');
    fs.symlinkSync('/', path.join(root, 'to-root'));
    fs.symlinkSync(outside, path.join(root, 'to-outside'));
    assert.throws(() => makeMountPoint(root, '/l1/x', 'directory'), /too many levels of symbolic links/);
    assert.throws(() => makeMountPoint(root, '/file/x', 'directory'), /\/file is not a directory/);
    assert.throws(() => makeMountPoint(root, '/file', 'directory'), /\/file is not a directory/);
    assert.throws(() => makeMountPoint(root, '/to-root', 'directory'), /resolves to the container's root/);
    assert.throws(() => makeMountPoint(root, '/..', 'directory'), /resolves to the container's root/);
    assert.deepEqual(tree(outside), []);
  });

  it('a file mount point is an empty file; a directory there is refused', (t) => {
    const { root, outside } = layout(t);
    fs.symlinkSync(path.join(outside, 'f'), path.join(root, 'link'));
    assert.equal(makeMountPoint(root, '/etc/conf', 'file'), path.join(root, 'etc/conf'));
    assert.ok(fs.statSync(path.join(root, 'etc/conf')).isFile());
    assert.ok(fs.statSync(path.join(root, 'etc')).isDirectory());
    assert.equal(makeMountPoint(root, '/link', 'file'), path.join(root, outside, 'f'));
    assert.throws(() => makeMountPoint(root, '/etc', 'file'), /it is a directory in the container/);
    assert.deepEqual(tree(outside), []);
  });
});

describe('withPinnedPath', () => {
  it('gives a /proc/self/fd path that stands for exactly the checked path', (t) => {
    const { root } = layout(t);
    const dir = makeMountPoint(root, '/m', 'directory');
    const result = withPinnedPath(dir, 'directory', (pinned) => {
      assert.match(pinned, /^\/proc\/self\/fd\/\d+$/);
      return fs.readlinkSync(pinned);
    });
    assert.equal(result, dir);
  });

  it('refuses a path that is now a link or leads through one', (t) => {
    const { root, outside } = layout(t);
    fs.symlinkSync(outside, path.join(root, 'swapped'));
    fs.symlinkSync(outside, path.join(root, 'file-link'));
    let acted = false;
    const act = (): void => {
      acted = true;
    };
    assert.throws(() => withPinnedPath(path.join(root, 'swapped'), 'directory', act), /ENOTDIR|ELOOP/);
    assert.throws(() => withPinnedPath(path.join(root, 'file-link'), 'file', act), /no longer a file/);
    fs.mkdirSync(path.join(outside, 'x'));
    assert.throws(() => withPinnedPath(path.join(root, 'swapped', 'x'), 'directory', act), /changed while being mounted: it is now .*outside\/x/);
    assert.equal(acted, false);
  });
});

describe('unmountPinned', () => {
  it('unmounts through a descriptor, lazily', (t) => {
    const { root } = layout(t);
    const dir = makeMountPoint(root, '/m', 'directory');
    const resolved: string[] = [];
    const kernel = new FakeKernel({ onCall: (c) => resolved.push(fs.readlinkSync(String(c.args[0]))) });
    unmountPinned(kernel, dir);
    assert.equal(kernel.calls.length, 1);
    assert.equal(kernel.calls[0]!.call, 'umount');
    assert.match(String(kernel.calls[0]!.args[0]), /^\/proc\/self\/fd\/\d+$/);
    assert.equal(kernel.calls[0]!.args[1], MNT.DETACH);
    assert.deepEqual(resolved, [dir]);
  });

  it('is done when nothing is mounted, nothing is there, or a link is there now', (t) => {
    const { root, outside } = layout(t);
    const dir = makeMountPoint(root, '/m', 'directory');
    unmountPinned(new FakeKernel({ failOn: { call: 'umount', errno: 22 /* EINVAL */ } }), dir);
    const kernel = new FakeKernel();
    unmountPinned(kernel, path.join(root, 'missing'));
    unmountPinned(kernel, path.join(root, 'missing/deeper'));
    fs.symlinkSync(outside, path.join(root, 'link'));
    unmountPinned(kernel, path.join(root, 'link'));
    fs.mkdirSync(path.join(outside, 'sub'));
    unmountPinned(kernel, path.join(root, 'link/sub')); // resolves outside the root now: not ours
    fs.writeFileSync(path.join(root, 'file'), '');
    unmountPinned(kernel, path.join(root, 'file/x'));
    assert.deepEqual(kernel.calls, []);
  });

  it('rethrows other failures', (t) => {
    const { root } = layout(t);
    const dir = makeMountPoint(root, '/m', 'directory');
    assert.throws(() => unmountPinned(new FakeKernel({ failOn: { call: 'umount', errno: 1 } }), dir), (e: unknown) => (e as { code?: string }).code === 'EPERM');
  });
});
