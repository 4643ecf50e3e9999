// `import` and `images` with real tarballs, including hostile ones built with GNU tar.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLI, worldFor, integrationSkipReason } from '../support/world.js';
import { spawnInPty } from '../support/pty.js';

const skip = integrationSkipReason() ?? false;


/** A minimal rootfs: static busybox plus sh and cat links. */
function rootfsDir(parent: string): string {
  const dir = path.join(parent, 'rootfs');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'cat', 'ls', 'echo']) fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(path.join(dir, 'etc/motd'), 'imported\n');
  return dir;
}

describe('images', { skip }, () => {
  test('import a gzip rootfs tarball, list it, run it', (t) => {
    const w = worldFor(t, 'import');
    const dir = rootfsDir(w.root);
    const tarball = path.join(w.root, 'rootfs.tar.gz');
    execFileSync('tar', ['-C', dir, '-czf', tarball, '.']);
    const imp = w.run(['import', tarball, 'mini:1.0']);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(imp.stderr, '', 'no progress display when stderr is not a terminal');
    const images = w.run(['images']).stdout;
    assert.match(images, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    assert.match(images, new RegExp(`^mini\\s+1\\.0\\s+${imp.stdout.slice(7, 19)}\\s+.+ago\\s+[\\d.]+[kM]B$`, 'm'));
    const r = w.run(['run', '--rm', 'mini:1.0', 'cat', '/etc/motd']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'imported\n');
  });

  test('a long import shows its progress when stderr is a terminal', async (t) => {
    const w = worldFor(t, 'progress');
    const dir = rootfsDir(w.root);
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(8 * 1024 * 1024, 7));
    const tarball = path.join(w.root, 'big.tar');
    execFileSync('tar', ['-C', dir, '-cf', tarball, '.']);
    const session = spawnInPty(process.execPath, [CLI, 'import', tarball, 'big'], { PATH: process.env.PATH, MYDOCKER_ROOT: w.root });
    t.after(() => session.close());
    assert.equal(await session.exit, 0);
    await session.expect(/sha256:[0-9a-f]{64}/);
    assert.match(session.screen(), /importing .*big\.tar \[=+\] [\d.]+MB \/ [\d.]+MB\r*\n/);
  });

  test('a hostile tarball writes nothing outside the store', (t) => {
    const w = worldFor(t, 'hostile');
    const sentinel = path.join(w.root, 'sentinel');
    fs.mkdirSync(sentinel);
    const src = path.join(w.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'payload'), 'pwned\n');
    fs.symlinkSync(sentinel, path.join(src, 'link')); // absolute link to a host directory
    const tarball = path.join(w.root, 'evil.tar');
    // link first, then a file "through" it: must land inside the layer, never in the sentinel.
    execFileSync('tar', ['-C', src, '-cf', tarball, 'link']);
    execFileSync('tar', ['-C', src, '-rf', tarball, '--transform', 's,^payload$,link/through,', 'payload']);
    execFileSync('tar', ['-C', src, '-rPf', tarball, '--transform', `s,^payload$,${sentinel}/absolute,`, 'payload']);
    const imp = w.run(['import', tarball, 'evil']);
    assert.equal(imp.status, 0, imp.stderr);
    assert.deepEqual(fs.readdirSync(sentinel), [], 'an entry escaped the layer');
    const [layer] = w.list('layers');
    const diff = path.join(w.root, 'layers', layer!, 'diff');
    assert.equal(fs.readlinkSync(path.join(diff, 'link')), sentinel, 'symlink targets are kept verbatim');
    assert.equal(fs.readFileSync(path.join(diff, sentinel, 'through'), 'utf8'), 'pwned\n');
    assert.equal(fs.readFileSync(path.join(diff, sentinel, 'absolute'), 'utf8'), 'pwned\n');

    // '..' is refused outright, and a refused import leaves no layer and no image.
    const dotdot = path.join(w.root, 'dotdot.tar');
    execFileSync('tar', ['-C', src, '-cPf', dotdot, '--transform', 's,^payload$,../../escape,', 'payload']);
    const refused = w.run(['import', dotdot, 'dotdot']);
    assert.equal(refused.status, 125);
    assert.match(refused.stderr, /contains '\.\.'/);
    assert.ok(!fs.existsSync(path.join(w.root, '..', 'escape')));
    assert.deepEqual(w.list('layers'), [layer]);
    assert.doesNotMatch(w.run(['images']).stdout, /dotdot/);
  });

  test('export writes the flattened filesystem, which import reads back', (t) => {
    const w = worldFor(t, 'export');
    assert.equal(w.run(['run', '--name', 'src', 'busybox', 'sh', '-c', 'echo kept > /greeting; rm /etc/group']).status, 0);
    const tarball = path.join(w.root, 'src.tar');
    const exported = w.run(['export', '-o', tarball, 'src']);
    assert.equal(exported.status, 0, exported.stderr);
    assert.deepEqual(w.mounts(), [], 'the stopped container\'s root was unmounted again');
    const names = execFileSync('tar', ['-tf', tarball], { encoding: 'utf8' }).split('\n');
    assert.ok(names.includes('greeting'));
    assert.ok(names.includes('etc/passwd'));
    assert.ok(!names.includes('etc/group'), 'a deletion in the container is applied');
    assert.equal(w.run(['import', tarball, 'snapshot']).status, 0);
    const r = w.run(['run', '--rm', 'snapshot', 'sh', '-c', 'cat /greeting; test -e /etc/group || echo no-group']);
    assert.equal(r.stdout, 'kept\nno-group\n', r.stderr);
  });

  test('tag, history and rmi: refused while a container uses the image, layers go with the last name', (t) => {
    const w = worldFor(t, 'rmi', { image: true });
    assert.equal(w.run(['tag', 'busybox', 'box:v1']).status, 0);
    assert.match(w.run(['images']).stdout, /^box\s+v1\s+/m);
    assert.match(w.run(['history', 'box:v1']).stdout, /^[0-9a-f]{12}\s+.+ago\s+mydocker: busybox from \/bin\/busybox\s+[\d.]+MB$/m);
    assert.equal(w.run(['run', '--name', 'user', 'box:v1', 'true']).status, 0);

    const untag = w.run(['rmi', 'box:v1']);
    assert.equal(untag.stdout, 'Untagged: box:v1\n', 'one name of two: only the name goes');
    const refused = w.run(['rmi', 'busybox']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /container user is using it/);
    assert.equal(w.list('layers').length, 1);

    assert.equal(w.run(['rm', 'user']).status, 0);
    const removed = w.run(['rmi', 'busybox']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /^Untagged: busybox:latest\nDeleted: sha256:[0-9a-f]{64}\n$/);
    assert.deepEqual(w.list('layers'), []);
    assert.equal(w.run(['rmi', 'busybox']).status, 1);
  });

  test('commit makes the container\'s changes one layer on its image: files, deletions, opaque directories, defaults', (t) => {
    const w = worldFor(t, 'commit', { image: true });
    const script = 'echo new > /srv/file; rm /etc/group; rm -rf /usr/sbin; mkdir /usr/sbin; echo only > /usr/sbin/only';
    assert.equal(w.run(['run', '--name', 'base', '-w', '/srv', '-e', 'MODE=prod', 'busybox', 'sh', '-c', script]).status, 0);
    const commit = w.run(['commit', 'base', 'derived:v1']);
    assert.equal(commit.status, 0, commit.stderr);
    assert.match(commit.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(w.list('layers').length, 2, 'one new layer; the image\'s own is shared, not copied');
    const r = w.run(['run', '--rm', 'derived:v1', 'sh', '-c', 'pwd; cat file; echo "$MODE"; test -e /etc/group || echo no-group; ls /usr/sbin']);
    assert.equal(r.stdout, '/srv\nnew\nprod\nno-group\nonly\n', r.stderr);
    // With no command, the committed image runs the container's command again.
    assert.equal(w.run(['run', '--rm', 'derived:v1']).status, 0);
    assert.match(w.run(['history', 'derived:v1']).stdout, /commit base: sh -c/);
  });

  test('import of a missing file or a bad name is refused with 125', (t) => {
    const w = worldFor(t, 'badimport');
    assert.equal(w.run(['import', path.join(w.root, 'nope.tar'), 'x']).status, 125);
    const dir = rootfsDir(w.root);
    const tarball = path.join(w.root, 'ok.tar');
    execFileSync('tar', ['-C', dir, '-cf', tarball, '.']);
    const bad = w.run(['import', tarball, 'Bad Name']);
    assert.equal(bad.status, 125);
    assert.match(bad.stderr, /invalid image reference/);
  });
});
