// Volumes with real containers: bind mounts, :ro, named and anonymous volumes, the `volume`
// commands, refusals, and that nothing stays mounted. Each test has its own World (state root),
// removed with everything under it even when the test fails half-way.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? false;


function volumeNames(w: World): string[] {
  const r = w.run(['volume', 'ls', '-q']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

function idOf(w: World, name: string): string {
  const id = w.records().find((r) => r.name === name)?.id;
  assert.ok(id, `container ${name} exists`);
  return id;
}

describe('volumes', { skip }, () => {
  test('a bind mount: the host directory is created, and what is written inside appears on the host', (t) => {
    const w = worldFor(t, 'vol-bind');
    const missing = path.join(w.root, 'host/not/yet');
    const existing = path.join(w.root, 'existing');
    fs.mkdirSync(existing);
    fs.writeFileSync(path.join(existing, 'hello'), 'from host\n');
    const r = w.run(['run', '--rm', '-v', `${missing}:/data`, '-v', `${existing}:/in`, 'busybox', 'sh', '-c', 'echo inside > /data/f && cat /in/hello']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'from host\n');
    assert.ok(fs.statSync(missing).isDirectory(), 'the missing host directory was created');
    assert.equal(fs.readFileSync(path.join(missing, 'f'), 'utf8'), 'inside\n');
    assert.deepEqual(volumeNames(w), [], 'a bind mount is no volume');
    assert.deepEqual(w.mounts(), []);
  });

  test('--mount: a read-only bind, a named volume and a tmpfs, as -v and --tmpfs make them; a missing bind source is refused, not created', (t) => {
    const w = worldFor(t, 'vol-mount');
    const existing = path.join(w.root, 'existing');
    fs.mkdirSync(existing);
    fs.writeFileSync(path.join(existing, 'hello'), 'from host\n');
    const r = w.run(['run', '--rm', '--net', 'none',
      '--mount', `type=bind,source=${existing},target=/in,readonly`,
      '--mount', 'type=volume,source=kept,target=/kept',
      '--mount', 'type=tmpfs,destination=/scratch,tmpfs-size=1m',
      'busybox', 'sh', '-c', 'cat /in/hello; touch /in/x 2>/dev/null && echo writable; echo saved > /kept/f; df -k /scratch | tail -1']);
    assert.equal(r.status, 0, r.stderr);
    const [hello, tmpfs] = r.stdout.split('\n');
    assert.equal(hello, 'from host');
    assert.match(tmpfs!, /^tmpfs\s+1024\s/, r.stdout);
    assert.equal(fs.existsSync(path.join(existing, 'x')), false, 'read-only');
    assert.deepEqual(volumeNames(w), ['kept']);
    const again = w.run(['run', '--rm', '--net', 'none', '--mount', 'source=kept,target=/k', 'busybox', 'cat', '/k/f']);
    assert.equal(again.stdout, 'saved\n');
    const missing = path.join(w.root, 'not-there');
    const refused = w.run(['run', '--rm', '--mount', `type=bind,source=${missing},target=/x`, 'busybox', 'true']);
    assert.equal(refused.status, 125);
    assert.match(refused.stderr, /bind source path does not exist/);
    assert.equal(fs.existsSync(missing), false, 'unlike -v, --mount creates no source');
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.mounts(), []);
  });

  test(':ro refuses writes with EROFS and keeps the source\'s nosuid, nodev, noexec', (t) => {
    const w = worldFor(t, 'vol-ro');
    const host = path.join(w.root, 'host');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'f'), 'readable\n');
    const r = w.run(['run', '--rm', '-v', `${host}:/data:ro`, 'busybox', 'sh', '-c', 'cat /data/f; echo x > /data/g']);
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, 'readable\n');
    assert.match(r.stderr, /Read-only file system/);
    assert.deepEqual(fs.readdirSync(host), ['f']);

    // A read-only remount must not drop the flags the host's mount has.
    const tmpfs = path.join(w.root, 'tmpfs');
    fs.mkdirSync(tmpfs);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,size=1m', 'tmpfs', tmpfs]);
    const flags = w.run(['run', '--rm', '-v', `${tmpfs}:/t:ro`, 'busybox', 'sh', '-c', 'grep " /t " /proc/self/mountinfo']);
    spawnSync('umount', [tmpfs]);
    assert.equal(flags.status, 0, flags.stderr);
    const options = flags.stdout.split(' ')[5]!.split(',');
    for (const option of ['ro', 'nosuid', 'nodev', 'noexec']) assert.ok(options.includes(option), `${option} in ${options.join(',')}`);
    assert.deepEqual(w.mounts(), []);
  });

  test('a named volume survives rm (even rm -v) and is shared by containers', async (t) => {
    const w = worldFor(t, 'vol-named');
    const write = w.run(['run', '--name', 'writer', '-v', 'shared:/data', 'busybox', 'sh', '-c', 'echo from-writer > /data/f']);
    assert.equal(write.status, 0, write.stderr);
    assert.equal(w.run(['rm', '-v', 'writer']).status, 0);
    assert.deepEqual(volumeNames(w), ['shared']);
    assert.equal(fs.readFileSync(path.join(w.root, 'volumes/shared/_data/f'), 'utf8'), 'from-writer\n');
    const read = w.run(['run', '--rm', '-v', 'shared:/data:ro', 'busybox', 'cat', '/data/f']);
    assert.equal(read.status, 0, read.stderr);
    assert.equal(read.stdout, 'from-writer\n');

    // At the same time: one container waits for what another writes.
    const reader = w.start(['run', '--rm', '--name', 'reader', '-v', 'shared:/data', 'busybox', 'sh', '-c', 'while [ ! -f /data/go ]; do sleep 0.1; done; cat /data/go']);
    t.after(() => reader.kill('SIGKILL'));
    let output = '';
    reader.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => reader.on('exit', resolve));
    await waitFor(() => w.records().some((r) => r.name === 'reader' && r.state.status === 'running'), 'the reader to run');
    const other = w.run(['run', '--rm', '-v', 'shared:/data', 'busybox', 'sh', '-c', 'echo go-now > /data/go']);
    assert.equal(other.status, 0, other.stderr);
    assert.equal(await exited, 0);
    assert.equal(output, 'go-now\n');
    assert.deepEqual(volumeNames(w), ['shared']);
    assert.deepEqual(w.mounts(), []);
  });

  test('anonymous volumes: removed by --rm and rm -v, kept by plain rm and by a restart', (t) => {
    const w = worldFor(t, 'vol-anon');
    const auto = w.run(['run', '--rm', '-v', '/anon', 'busybox', 'sh', '-c', 'echo x > /anon/f; grep " /anon " /proc/self/mountinfo']);
    assert.equal(auto.status, 0, auto.stderr);
    assert.match(auto.stdout, /\/volumes\/[0-9a-f]{64}\/_data \/anon /, 'the container had an anonymous volume');
    assert.deepEqual(volumeNames(w), [], '--rm removed it');

    assert.equal(w.run(['run', '--name', 'keep', '-v', '/anon', 'busybox', 'sh', '-c', 'echo run >> /anon/log']).status, 0);
    const [kept] = volumeNames(w);
    assert.match(kept ?? '', /^[0-9a-f]{64}$/);
    // Started again, it gets the same anonymous volume back.
    const again = w.run(['start', '-a', 'keep']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(volumeNames(w), [kept]);
    assert.equal(fs.readFileSync(path.join(w.root, 'volumes', kept!, '_data/log'), 'utf8'), 'run\nrun\n');
    assert.equal(w.run(['rm', 'keep']).status, 0);
    assert.deepEqual(volumeNames(w), [kept], 'plain rm keeps it');
    const inspect = w.run(['volume', 'inspect', kept!]);
    assert.equal(inspect.status, 0, inspect.stderr);
    const [info] = JSON.parse(inspect.stdout) as Array<Record<string, unknown>>;
    assert.equal(info!.Anonymous, true);
    assert.equal(info!.Driver, 'local');
    assert.equal(info!.Mountpoint, path.join(w.root, 'volumes', kept!, '_data'));

    assert.equal(w.run(['run', '--name', 'gone', '-v', '/anon', 'busybox', 'true']).status, 0);
    assert.equal(volumeNames(w).length, 2);
    assert.equal(w.run(['rm', '-v', 'gone']).status, 0);
    assert.deepEqual(volumeNames(w), [kept], 'rm -v removed only its own');
    assert.deepEqual(w.mounts(), []);
  });

  test('a detached container\'s volumes are released by its shim\'s cleanup, in another process', { skip: shimSkipReason() ?? false }, async (t) => {
    const w = worldFor(t, 'vol-detached');
    const host = path.join(w.root, 'host');
    const r = w.run(['run', '-d', '--rm', '-v', `${host}:/data`, '-v', '/anon', 'busybox', 'sh', '-c', 'echo detached > /data/f']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => w.containerIds().length === 0, 'the cleanup to remove the container');
    assert.equal(fs.readFileSync(path.join(host, 'f'), 'utf8'), 'detached\n');
    assert.deepEqual(volumeNames(w), []);
    assert.deepEqual(w.mounts(), []);
  });

  test('a target missing from the image is made in the container\'s layer, not the image\'s', (t) => {
    const w = worldFor(t, 'vol-layer');
    const r = w.run(['run', '--name', 'layered', '-v', 'v1:/new/deep/dir', 'busybox', 'sh', '-c', 'echo in-volume > /new/deep/dir/f']);
    assert.equal(r.status, 0, r.stderr);
    const id = idOf(w, 'layered');
    assert.ok(fs.statSync(path.join(w.root, 'storage/overlay', id, 'upper/new/deep/dir')).isDirectory());
    assert.equal(fs.existsSync(path.join(w.root, 'storage/overlay', id, 'upper/new/deep/dir/f')), false, 'the file went to the volume');
    assert.equal(fs.readFileSync(path.join(w.root, 'volumes/v1/_data/f'), 'utf8'), 'in-volume\n');
    for (const layer of w.list('layers')) assert.equal(fs.existsSync(path.join(w.root, 'layers', layer, 'diff/new')), false);
    assert.deepEqual(w.mounts(), []);
  });

  test('an image\'s symlinks cannot lead a volume outside the container\'s root', (t) => {
    const w = worldFor(t, 'vol-links');
    const outside = path.join(w.root, 'outside');
    fs.mkdirSync(outside);
    const rootfs = path.join(w.root, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
    fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
    fs.symlinkSync('busybox', path.join(rootfs, 'bin/sh'));
    fs.symlinkSync(outside, path.join(rootfs, 'absolute'));
    fs.symlinkSync('../../../../../..' + outside, path.join(rootfs, 'dotdot'));
    const tarball = path.join(w.root, 'links.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tarball, '.']);
    assert.equal(w.run(['import', tarball, 'links']).status, 0);

    const r = w.run(['run', '--rm', '-v', 'v1:/absolute/a', '-v', 'v2:/dotdot/b', 'links', '/bin/sh', '-c', 'echo one > /absolute/a/f && echo two > /dotdot/b/f']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing made on the host through the links');
    assert.equal(fs.readFileSync(path.join(w.root, 'volumes/v1/_data/f'), 'utf8'), 'one\n');
    assert.equal(fs.readFileSync(path.join(w.root, 'volumes/v2/_data/f'), 'utf8'), 'two\n');
    assert.deepEqual(w.mounts(), []);
  });

  test('bad specs exit 125 before anything exists', (t) => {
    const w = worldFor(t, 'vol-bad');
    const source = path.join(w.root, 'src');
    const specs = ['foo/bar:/x', '/a:', '/a:/b:xx', '/a:/', `${source}:/b:xx`, `${source}:`, `${source}:relative`, `${source}:/b:ro:x`, `${source}:/`];
    for (const spec of specs) {
      const r = w.run(['run', '--rm', '-v', '/fine', '-v', spec, 'busybox', 'true']);
      assert.equal(r.status, 125, spec);
      assert.match(r.stderr, /plugin "mydocker:volumes" failed in hook checkOptions: invalid volume specification/, spec);
    }
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.list('volumes'), []);
    assert.equal(fs.existsSync(source), false, 'no host directory was created');
    assert.equal(fs.existsSync('foo/bar'), false);
    assert.deepEqual(w.mounts(), []);
  });

  test('a failure half-way through the volumes undoes the mounts and the anonymous volumes', (t) => {
    const w = worldFor(t, 'vol-unwind');
    const one = path.join(w.root, 'one');
    // /etc/passwd is a file in the image: a directory cannot be mounted on it, after two mounts.
    const r = w.run(['run', '--rm', '-v', `${one}:/one`, '-v', '/anon', '-v', 'named:/etc/passwd', 'busybox', 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /plugin "mydocker:volumes" failed in hook prepareRootfs: .*\/etc\/passwd is not a directory/);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(volumeNames(w), ['named'], 'the anonymous volume went with the container; a named one stays');
    assert.deepEqual(w.mounts(), []);
  });

  test('volume create, ls, inspect, rm; rm refuses a volume in use', (t) => {
    const w = worldFor(t, 'vol-cli');
    const created = w.run(['volume', 'create', 'mine']);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.stdout, 'mine\n');
    const random = w.run(['volume', 'create']).stdout.trim();
    assert.match(random, /^[0-9a-f]{64}$/);
    const ls = w.run(['volume', 'ls']);
    assert.match(ls.stdout, /^DRIVER\s+VOLUME NAME\n/);
    assert.match(ls.stdout, /^local\s+mine$/m);
    assert.match(ls.stdout, new RegExp(`^local\\s+${random}$`, 'm'));
    const inspect = w.run(['volume', 'inspect', 'mine']);
    const [info] = JSON.parse(inspect.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      { ...info, CreatedAt: typeof info!.CreatedAt },
      { Name: 'mine', Driver: 'local', Mountpoint: path.join(w.root, 'volumes/mine/_data'), CreatedAt: 'string', Anonymous: false, Scope: 'local' },
    );
    const unknown = w.run(['volume', 'inspect', 'nope']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no such volume: nope/);
    assert.equal(w.run(['volume', 'create', 'bad/name']).status, 1);

    assert.equal(w.run(['run', '--name', 'user', '-v', 'mine:/data', 'busybox', 'true']).status, 0);
    const refused = w.run(['volume', 'rm', 'mine']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /volume mine is in use by container user/);
    assert.ok(volumeNames(w).includes('mine'));
    assert.equal(w.run(['rm', 'user']).status, 0);
    const removed = w.run(['volume', 'rm', 'mine', random]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(removed.stdout, `mine\n${random}\n`);
    assert.deepEqual(volumeNames(w), []);
    const gone = w.run(['volume', 'rm', 'mine']);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /no such volume: mine/);
    assert.deepEqual(w.mounts(), []);
  });
});

describe('copy-up: a fresh volume starts with the image\'s files', { skip: integrationSkipReason() ?? false }, () => {
  test('named and anonymous volumes are filled (owners, modes, links), once; a bind mount is not', (t) => {
    const w = worldFor(t, 'copyup', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'maker', 'busybox', 'sh', '-c', 'mkdir /data && echo hi > /data/f && ln -s f /data/link && chown -R 1000:1001 /data && chmod 750 /data']).status, 0);
    assert.equal(w.run(['commit', 'maker', 'withdata']).status, 0);
    const look = 'stat -c "%u:%g %a" /data; cat /data/f; readlink /data/link';
    const named = w.run(['run', '--rm', '--net', 'none', '-v', 'cu-vol:/data', 'withdata', 'sh', '-c', `${look}; echo more > /data/f`]);
    assert.equal(named.status, 0, named.stderr);
    assert.equal(named.stdout, '1000:1001 750\nhi\nf\n');
    // Not empty any more: used as it is, not filled again.
    assert.equal(w.run(['run', '--rm', '--net', 'none', '-v', 'cu-vol:/data', 'withdata', 'cat', '/data/f']).stdout, 'more\n');
    assert.equal(w.run(['run', '--rm', '--net', 'none', '-v', '/data', 'withdata', 'cat', '/data/f']).stdout, 'hi\n');
    const hostDir = fs.mkdtempSync('/tmp/mydocker-copyup-bind-');
    t.after(() => fs.rmSync(hostDir, { recursive: true, force: true }));
    assert.equal(w.run(['run', '--rm', '--net', 'none', '-v', `${hostDir}:/data`, 'withdata', 'ls', '-A', '/data']).stdout, '');
    assert.deepEqual(fs.readdirSync(hostDir), []);
    for (const args of [['rm', 'maker'], ['volume', 'rm', 'cu-vol'], ['rmi', 'withdata']]) assert.equal(w.run(args).status, 0, args.join(' '));
  });
});
