// `mydocker run` with real containers: namespaces, root filesystem, exit codes, arguments, env.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { worldFor, hostMountPoints, integrationSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? false;


describe('run', { skip }, () => {
  test('the command is PID 1 and sees only its own processes', (t) => {
    const w = worldFor(t, 'pid1');
    const r = w.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo "pid=$$"; ps -o pid,comm | tail -n +2 | wc -l']);
    assert.equal(r.status, 0, r.stderr);
    const [pidLine, count] = r.stdout.trim().split('\n');
    assert.equal(pidLine, 'pid=1');
    // sh, ps, tail, wc: nothing of the host's hundreds of processes.
    assert.ok(Number(count) <= 4, `container sees ${count} processes`);
  });

  test('hostname is the container\'s own: given with -h, else its short ID', (t) => {
    const w = worldFor(t, 'hostname');
    const given = w.run(['run', '--rm', '-h', 'box1', 'busybox', 'hostname']);
    assert.equal(given.stdout.trim(), 'box1', given.stderr);
    const byDefault = w.run(['run', '--name', 'h2', 'busybox', 'hostname']);
    const id = w.containerIds()[0]!;
    assert.equal(byDefault.stdout.trim(), id.slice(0, 12));
    assert.notEqual(byDefault.stdout.trim(), fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  });

  test('the host mount table is the same after a run as before', (t) => {
    const w = worldFor(t, 'mounts');
    assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0); // builds the image first
    const before = hostMountPoints().sort();
    // Only a privileged container may mount at all (see confinement.test.ts); its mounts stay its own.
    const r = w.run(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'mkdir -p /m && mount -t tmpfs none /m && grep -c . /proc/mounts']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(hostMountPoints().sort(), before);
  });

  test('/proc, /dev and /sys are the container\'s own', (t) => {
    const w = worldFor(t, 'fs');
    const r = w.run(['run', '--rm', 'busybox', 'sh', '-c', 'ls /dev; cat /proc/1/cmdline | tr "\\0" " "; echo; touch /sys/x 2>&1; grep " /dev/pts " /proc/mounts']);
    assert.equal(r.status, 0, r.stderr);
    for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx', 'pts', 'shm']) assert.match(r.stdout, new RegExp(`^${dev}$`, 'm'));
    assert.doesNotMatch(r.stdout, /^sda|^vda/m, 'host block devices leaked into /dev');
    assert.match(r.stdout, /^sh -c /m, 'PID 1 of /proc is the container\'s command');
    assert.match(r.stdout, /Read-only file system/);
    assert.match(r.stdout, /devpts .*ptmxmode=666/);
  });

  test('copy-on-write: neither the image nor another container sees a container\'s writes', (t) => {
    const w = worldFor(t, 'cow');
    const a = w.run(['run', '--name', 'ca', 'busybox', 'sh', '-c', 'echo mine > /etc/a-file; rm /etc/passwd']);
    assert.equal(a.status, 0, a.stderr);
    const b = w.run(['run', '--name', 'cb', 'busybox', 'sh', '-c', 'cat /etc/a-file 2>&1; cat /etc/passwd | head -1']);
    assert.match(b.stdout, /No such file/);
    assert.match(b.stdout, /^root:/m);
    const layers = w.list('layers');
    assert.equal(layers.length, 1);
    const layer = path.join(w.root, 'layers', layers[0]!, 'diff');
    assert.ok(!fs.existsSync(path.join(layer, 'etc/a-file')));
    assert.ok(fs.existsSync(path.join(layer, 'etc/passwd')));
    // A's change lives in A's own upper layer only.
    const idA = w.records().find((r) => r.name === 'ca')!.id;
    assert.equal(fs.readFileSync(path.join(w.root, 'storage/overlay', idA, 'upper/etc/a-file'), 'utf8'), 'mine\n');
  });

  test('exit codes: the command\'s own, 126, 127, 125', (t) => {
    const w = worldFor(t, 'codes');
    assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 7']).status, 7);
    const notFound = w.run(['run', '--rm', 'busybox', 'no-such-command']);
    assert.equal(notFound.status, 127);
    assert.match(notFound.stderr, /executable file not found in \$PATH/);
    const notExec = w.run(['run', '--rm', 'busybox', '/etc/passwd']);
    assert.equal(notExec.status, 126);
    assert.match(notExec.stderr, /permission denied/);
    const noImage = w.run(['run', '--rm', 'no-such-image']);
    assert.equal(noImage.status, 125);
    assert.match(noImage.stderr, /unable to find image "no-such-image"/);
    const badFlag = w.run(['run', '--no-such-flag', 'busybox']);
    assert.equal(badFlag.status, 125);
    assert.match(badFlag.stderr, /unknown flag: --no-such-flag/);
    assert.deepEqual(w.containerIds(), [], 'failed runs left containers behind');
  });

  test('exit code 137 when PID 1 is killed by SIGKILL', async (t) => {
    const w = worldFor(t, 'kill');
    assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0);
    const child = w.start(['run', '--rm', 'busybox', 'sleep', '1000']);
    t.after(() => child.kill('SIGKILL'));
    const pid = await waitFor(() => {
      const rec = w.records()[0]; // none while the run has made its directory but no record yet
      return rec?.state.status === 'running' ? rec.state.pid : undefined;
    }, 'the container to run');
    process.kill(pid!, 'SIGKILL');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 137);
    await waitFor(() => w.containerIds().length === 0, '--rm to remove the container');
  });

  test('signals sent to mydocker reach PID 1 (sig-proxy)', async (t) => {
    const w = worldFor(t, 'signals');
    assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0);
    const child = w.start(['run', '--rm', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 1; done']);
    t.after(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 42);
  });

  test('arguments reach PID 1 unchanged', (t) => {
    const w = worldFor(t, 'args');
    const args = ['a  b', '"quoted"', "it's", '', '$HOME', '*', 'tab\there', '-l'];
    const r = w.run(['run', '--rm', 'busybox', 'sh', '-c', 'for a in "$@"; do printf "[%s]" "$a"; done', 'sh', ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, args.map((a) => `[${a}]`).join(''));
    const flags = w.run(['run', '--rm', 'busybox', 'ls', '-d', '/etc']);
    assert.equal(flags.stdout.trim(), '/etc', 'flags after the image belong to the command');
  });

  test('the environment is the image\'s plus the user\'s, never the host\'s', (t) => {
    const w = worldFor(t, 'env');
    const envFile = path.join(w.root, 'env.list');
    fs.writeFileSync(envFile, '# comment\nFROM_FILE=yes\n\nOVERRIDE=file\n');
    const r = w.run(['run', '--rm', '-e', 'GREETING=hello world', '--env-file', envFile, '-e', 'OVERRIDE=flag', '-e', 'PICKED', '-h', 'envbox', 'busybox', 'env'], {
      env: { HOST_SECRET: 'leak', PICKED: 'from-host' },
    });
    assert.equal(r.status, 0, r.stderr);
    const env = new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(env.get('GREETING'), 'hello world');
    assert.equal(env.get('FROM_FILE'), 'yes');
    assert.equal(env.get('OVERRIDE'), 'flag');
    assert.equal(env.get('PICKED'), 'from-host');
    assert.equal(env.get('HOSTNAME'), 'envbox');
    assert.equal(env.get('HOME'), '/root');
    assert.match(env.get('PATH') ?? '', /\/bin/);
    assert.equal(env.get('HOST_SECRET'), undefined);
    assert.equal(env.has('MYDOCKER_ROOT'), false);
  });

  test('-w creates and enters the working directory', (t) => {
    const w = worldFor(t, 'workdir');
    const r = w.run(['run', '--rm', '-w', '/srv/app', 'busybox', 'pwd']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '/srv/app');
  });

  test('stdin is passed through with -i and closed without it', (t) => {
    const w = worldFor(t, 'stdin');
    assert.equal(w.run(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hi\n' }).stdout, 'hi\n');
    assert.equal(w.run(['run', '--rm', 'busybox', 'cat'], { input: 'hi\n' }).stdout, '');
  });

  test('--rm leaves no mount, directory or state; without it, files stay until rm', (t) => {
    const w = worldFor(t, 'rm');
    assert.equal(w.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo x > /x']).status, 0);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.list('storage/overlay'), []);
    assert.deepEqual(w.list('names'), []);
    assert.deepEqual(w.mounts(), []);

    assert.equal(w.run(['run', '--name', 'keep', 'busybox', 'sh', '-c', 'echo x > /x']).status, 0);
    const [id] = w.containerIds();
    assert.ok(id);
    assert.equal(fs.readFileSync(path.join(w.root, 'storage/overlay', id, 'upper/x'), 'utf8'), 'x\n');
    assert.deepEqual(w.mounts(), [], 'an exited container stays unmounted');
    assert.match(w.run(['ps', '-a']).stdout, /Exited \(0\).*keep/);
    const rm = w.run(['rm', 'keep']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.list('storage/overlay'), []);
    assert.deepEqual(w.list('names'), []);
    const again = w.run(['rm', 'keep']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no such container: keep/);
  });

  test('a taken name is refused with 125 before anything is created', (t) => {
    const w = worldFor(t, 'names');
    assert.equal(w.run(['run', '--name', 'twin', 'busybox', 'true']).status, 0);
    const r = w.run(['run', '--name', 'twin', 'busybox', 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /"twin" is already in use/);
    assert.equal(w.containerIds().length, 1);
  });

  test('aufs is refused with a clear message where the kernel lacks it', (t) => {
    if (fs.readFileSync('/proc/filesystems', 'utf8').includes('aufs')) return t.skip('this kernel has aufs');
    const w = worldFor(t, 'aufs');
    const r = w.run(['run', '--rm', '--storage-driver', 'aufs', 'busybox', 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /storage driver "aufs" cannot be used: this kernel has no aufs/);
    assert.deepEqual(w.containerIds(), []);
  });

  test('the busybox image\'s /tmp and /var/tmp are 1777: another user may write there, and the layer is the same in every root', (t) => {
    const a = worldFor(t, 'tmpmode');
    const r = a.run(['run', '--rm', '-u', 'nobody', 'busybox', 'sh', '-c', 'stat -c %a /tmp /var/tmp && touch /tmp/x && echo wrote']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['1777', '1777', 'wrote']);
    const b = worldFor(t, 'tmpmode2');
    assert.equal(b.run(['run', '--rm', 'busybox', 'true']).status, 0);
    const layers = (w: typeof a): string[] => fs.readdirSync(path.join(w.root, 'layers')).filter((d) => /^[0-9a-f]{64}$/.test(d));
    assert.deepEqual(layers(b), layers(a), 'the same busybox gives the same layer digest');
  });
});
