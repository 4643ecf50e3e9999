import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archivePathComponents, resolveInRoot } from '../../src/image/root-path.js';
import { MydockerError } from '../../src/errors.js';
import { tempDir } from '../support/tmp.js';

function makeRoot(t: { after(fn: () => void): void }): string {
  const root = path.join(tempDir(t), 'root');
  fs.mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  return root;
}

describe('resolveInRoot', () => {
  it('joins plain paths under the root, ignoring "." and empty components', (t) => {
    const root = makeRoot(t);
    assert.equal(resolveInRoot(root, 'usr/lib/x'), path.join(root, 'usr/lib/x'));
    assert.equal(resolveInRoot(root, './usr//lib/./x/'), path.join(root, 'usr/lib/x'));
    assert.equal(resolveInRoot(root, '/etc/passwd'), path.join(root, 'etc/passwd'));
    assert.equal(resolveInRoot(root, ''), root);
  });

  it('re-roots an absolute symlink', (t) => {
    const root = makeRoot(t);
    fs.symlinkSync('/usr/lib', path.join(root, 'lib'));
    assert.equal(resolveInRoot(root, 'lib/libc.so'), path.join(root, 'usr/lib/libc.so'));
    fs.symlinkSync('/', path.join(root, 'slash'));
    assert.equal(resolveInRoot(root, 'slash/etc/passwd'), path.join(root, 'etc/passwd'));
    // an absolute link deeper down starts again at the root, not at its own directory
    fs.symlinkSync('/etc', path.join(root, 'usr/lib/conf'));
    assert.equal(resolveInRoot(root, 'usr/lib/conf/hosts'), path.join(root, 'etc/hosts'));
  });

  it('stops ".." in link targets at the root', (t) => {
    const root = makeRoot(t);
    fs.symlinkSync('../../../../../../etc', path.join(root, 'usr/lib/up'));
    assert.equal(resolveInRoot(root, 'usr/lib/up/shadow'), path.join(root, 'etc/shadow'));
    fs.symlinkSync('../..', path.join(root, 'rel'));
    assert.equal(resolveInRoot(root, 'rel/x'), path.join(root, 'x'));
  });

  it('resolves a relative link against its own directory', (t) => {
    const root = makeRoot(t);
    fs.symlinkSync('../etc', path.join(root, 'usr/cfg'));
    assert.equal(resolveInRoot(root, 'usr/cfg/hosts'), path.join(root, 'etc/hosts'));
  });

  it('follows nested links', (t) => {
    const root = makeRoot(t);
    fs.symlinkSync('b', path.join(root, 'a'));
    fs.symlinkSync('/c', path.join(root, 'b'));
    fs.symlinkSync('usr/lib', path.join(root, 'c'));
    fs.symlinkSync('../lib', path.join(root, 'usr/lib/loop-back'));
    assert.equal(resolveInRoot(root, 'a/file'), path.join(root, 'usr/lib/file'));
    assert.equal(resolveInRoot(root, 'a/loop-back/file'), path.join(root, 'usr/lib/file'));
  });

  it('leaves the last component alone, even when it is a link', (t) => {
    const root = makeRoot(t);
    fs.symlinkSync('/etc', path.join(root, 'link'));
    assert.equal(resolveInRoot(root, 'link'), path.join(root, 'link'));
    assert.equal(resolveInRoot(root, 'usr/../link'), path.join(root, 'link'));
  });

  it('never leaves the root through ".." in the path itself', (t) => {
    const root = makeRoot(t);
    assert.equal(resolveInRoot(root, '../../x'), path.join(root, 'x'));
    assert.equal(resolveInRoot(root, 'usr/../../etc/x'), path.join(root, 'etc/x'));
  });

  it('a link to a host path that exists is still resolved inside the root', (t) => {
    const base = tempDir(t);
    const root = path.join(base, 'root');
    const outside = path.join(base, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(root, 'escape'));
    const resolved = resolveInRoot(root, 'escape/file');
    assert.equal(resolved, path.join(root, outside, 'file'));
    assert.ok(resolved.startsWith(root + path.sep));
  });

  it('throws on a link loop instead of spinning (ELOOP)', (t) => {
    const root = makeRoot(t);
    fs.symlinkSync('self', path.join(root, 'self'));
    fs.symlinkSync('/pong', path.join(root, 'ping'));
    fs.symlinkSync('/ping', path.join(root, 'pong'));
    assert.throws(() => resolveInRoot(root, 'self/x'), (e: unknown) => e instanceof MydockerError && /too many levels of symbolic links/.test(e.message));
    assert.throws(() => resolveInRoot(root, 'ping/x'), /too many levels/);
  });

  it('allows a chain of 40 links but not 41', (t) => {
    const root = makeRoot(t);
    // l0 -> l1 -> ... -> lN -> /etc
    const chain = (prefix: string, n: number): void => {
      for (let i = 0; i < n; i++) fs.symlinkSync(i === n - 1 ? '/etc' : `${prefix}${i + 1}`, path.join(root, `${prefix}${i}`));
    };
    chain('ok', 40);
    chain('no', 41);
    assert.equal(resolveInRoot(root, 'ok0/x'), path.join(root, 'etc/x'));
    assert.throws(() => resolveInRoot(root, 'no0/x'), /too many levels/);
  });
});

describe('archivePathComponents', () => {
  it('cleans "." and empty components and drops a leading "/"', () => {
    assert.deepEqual(archivePathComponents('./a//b/./c/'), ['a', 'b', 'c']);
    assert.deepEqual(archivePathComponents('/abs/x'), ['abs', 'x']);
    assert.deepEqual(archivePathComponents('./'), []);
    assert.deepEqual(archivePathComponents('a..b/..c'), ['a..b', '..c']);
  });

  it("refuses '..' anywhere", () => {
    for (const bad of ['..', '../x', 'a/../b', 'a/..', './../x', '/..']) {
      assert.throws(() => archivePathComponents(bad), (e: unknown) => e instanceof MydockerError && /contains '\.\.'/.test(e.message) && e.hint === 'the archive is unsafe and was refused', bad);
    }
  });
});
