// The confinement flags of `run` and `exec`, each shown doing what it says and compared with the
// container that lacks it: --read-only, --tmpfs, -u/--user and exec -u, --device, --cap-add,
// --cap-drop, --security-opt seccomp=FILE; what inspect records; and bad values of each flag,
// refused with exit code 125 and one line on stderr before anything is created.
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { integrationSkipReason, shimSkipReason, worldFor, type World } from '../support/world.js';
import { tempDir } from '../support/tmp.js';
import { attachExt4Loop, buildProbe, loopSkipReason, parseMountinfo, parseStatus, psRows, sleeper, type BuiltProbe } from '../support/confinement.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;
const built = skip ? skip : buildProbe();
const probe: BuiltProbe | undefined = typeof built === 'string' ? undefined : built;
const probeSkip = typeof built === 'string' ? built : false;
after(() => probe?.remove());

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The mount at `target` in a mountinfo text, with its per-mount options. */
function mountAt(mountinfo: string, target: string): { options: string[]; superOptions: string[]; fstype: string } | undefined {
  for (const line of mountinfo.split('\n')) {
    if (!/^\d+ \d+ \d+:\d+ \S+ \S+ \S+.* - /.test(line)) continue; // the script's other output
    const [m] = parseMountinfo(line);
    if (m?.mountPoint !== target) continue;
    const dash = line.indexOf(' - ');
    return { options: line.slice(0, dash).split(' ')[5]!.split(','), superOptions: (line.slice(dash + 3).split(' ')[2] ?? '').split(','), fstype: m.fstype };
  }
  return undefined;
}

describe('confinement flags', { skip: skip || probeSkip }, () => {
  test('--read-only: a real write to / fails with EROFS (run and exec), --tmpfs /tmp stays writable, /etc/hosts too; without the flag the write works', async (t) => {
    const w = worldFor(t, 'cf-ro', { image: true });
    const script = `touch /written 2>&1; echo "touch $?"; ${probe!.bin} rewrite /etc/passwd; echo hi > /tmp/y && cat /tmp/y; ${probe!.bin} rewrite /etc/hosts; cat /proc/self/mountinfo`;
    const run = ok(w.run(['run', '--rm', '--read-only', '--tmpfs', '/tmp', ...probe!.volume, 'busybox', 'sh', '-c', script]), 'run --read-only');
    assert.match(run, /Read-only file system\ntouch 1\n/, run);
    assert.match(run, /^rewrite EROFS$/m, 'a same-value write to /etc/passwd');
    assert.match(run, /^hi$/m, '/tmp is a writable tmpfs');
    assert.match(run, /^rewrite ok \d+$/m, '/etc/hosts stays writable, as in Docker');
    assert.ok(mountAt(run, '/')?.options.includes('ro'), 'the root is mounted read-only');
    assert.equal(mountAt(run, '/tmp')?.fstype, 'tmpfs');

    const id = sleeper(w, ['--read-only', ...probe!.volume]);
    const exec = w.run(['exec', id, 'sh', '-c', `touch /written; echo "touch $?"; ${probe!.bin} rewrite /etc/passwd`]);
    assert.match(exec.stdout, /^touch 1$/m, `exec: ${exec.stdout}${exec.stderr}`);
    assert.match(exec.stdout, /^rewrite EROFS$/m, 'exec');

    const control = ok(w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', `touch /written; echo "touch $?"; ${probe!.bin} rewrite /etc/passwd`]), 'run');
    assert.match(control, /^touch 0$/m, 'the control: without --read-only the write works');
    assert.match(control, /^rewrite ok \d+$/m);
  });

  test('--tmpfs /run:size=1m: a tmpfs of 1 MiB, nosuid, nodev and noexec by default (a copied program does not run); with ,exec it runs', async (t) => {
    const w = worldFor(t, 'cf-tmpfs', { image: true });
    const script = `cat /proc/self/mountinfo; dd if=/dev/zero of=/run/big bs=1k count=2048 2>&1; rm -f /run/big; cp ${probe!.bin} /run/p && /run/p whoami; echo "exec $?"`;
    const run = ok(w.run(['run', '--rm', '--tmpfs', '/run:size=1m', ...probe!.volume, 'busybox', 'sh', '-c', script]), 'run --tmpfs');
    const mount = mountAt(run, '/run');
    assert.equal(mount?.fstype, 'tmpfs', run);
    for (const flag of ['nosuid', 'nodev', 'noexec']) assert.ok(mount!.options.includes(flag), `/run is ${flag}: ${mount!.options}`);
    assert.ok(mount!.superOptions.includes('size=1024k'), `size: ${mount!.superOptions}`);
    assert.match(run, /No space left on device/, 'writing 2 MiB into 1 MiB fails');
    assert.match(run, /^exec 126$/m, 'noexec: the copy does not run');
    assert.doesNotMatch(run, /^euid/m);

    const withExec = ok(w.run(['run', '--rm', '--tmpfs', '/run:size=1m,exec', ...probe!.volume, 'busybox', 'sh', '-c', script]), 'run --tmpfs ...,exec');
    assert.match(withExec, /^euid 0\nexec 0$/m, 'the control: with exec the copy runs');
    assert.ok(!mountAt(withExec, '/run')!.options.includes('noexec'));

    const plain = ok(w.run(['run', '--rm', 'busybox', 'cat', '/proc/self/mountinfo']), 'run');
    assert.equal(mountAt(plain, '/run'), undefined, 'without --tmpfs there is no mount at /run');
  });

  test('-u NAME|UID[:GROUP|GID] for run and exec -u: id and HOME as in Docker; exec inherits the container\'s user', async (t) => {
    const w = worldFor(t, 'cf-users', { image: true });
    const show = 'echo "$(id -u):$(id -g):$HOME"';
    const cases: Array<[string, string]> = [
      ['nobody', '65534:65534:/nonexistent'],
      ['1000', '1000:0:/'],
      ['1000:1000', '1000:1000:/'],
      ['0:tty', '0:5:/root'],
      ['nobody:root', '65534:0:/nonexistent'],
      ['root:65534', '0:65534:/root'],
    ];
    for (const [user, expected] of cases) {
      assert.equal(ok(w.run(['run', '--rm', '-u', user, 'busybox', 'sh', '-c', show]), `run -u ${user}`).trim(), expected, `run -u ${user}`);
    }
    assert.equal(ok(w.run(['run', '--rm', '-u', 'nobody', 'busybox', 'id']), 'id').trim(), 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)');

    const id = sleeper(w, ['-u', 'nobody']);
    assert.equal(ok(w.run(['exec', id, 'sh', '-c', show]), 'exec').trim(), '65534:65534:/nonexistent', 'exec runs as the container\'s user');
    assert.equal(ok(w.run(['exec', '-u', '0', id, 'sh', '-c', show]), 'exec -u 0').trim(), '0:0:/root');
    assert.equal(ok(w.run(['exec', '-u', '1000:tty', id, 'sh', '-c', show]), 'exec -u 1000:tty').trim(), '1000:5:/');
    const rootStatus = parseStatus(ok(w.run(['exec', '-u', 'root', id, 'cat', '/proc/self/status']), 'exec -u root'));
    assert.equal(rootStatus.CapEff, '00000000a80425fb', 'exec -u root has the default capabilities');
    const nobodyStatus = parseStatus(ok(w.run(['exec', id, 'cat', '/proc/self/status']), 'exec'));
    assert.equal(nobodyStatus.CapEff, '0000000000000000', 'exec as nobody has none');
  });

  test('--device /dev/full:/dev/xvdc:rw: the node exists inside and opens, for run and exec; without --device it does not exist', async (t) => {
    const w = worldFor(t, 'cf-device', { image: true });
    const script = `ls -l /dev/xvdc; ${probe!.bin} open /dev/xvdc rw; echo x > /dev/xvdc`;
    const run = w.run(['run', '--rm', '--device', '/dev/full:/dev/xvdc:rw', ...probe!.volume, 'busybox', 'sh', '-c', script]);
    assert.match(run.stdout, /^crw-rw-rw- .* 1, +7 .*\/dev\/xvdc$/m, `${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /^open ok$/m);
    assert.match(run.stderr, /No space left on device/, 'it is /dev/full');
    const id = sleeper(w, ['--device', '/dev/full:/dev/xvdc:rw', ...probe!.volume]);
    assert.match(w.run(['exec', id, probe!.bin, 'open', '/dev/xvdc', 'rw']).stdout, /^open ok$/m, 'exec');
    const without = w.run(['run', '--rm', ...probe!.volume, 'busybox', probe!.bin, 'open', '/dev/xvdc', 'rw']);
    assert.equal(without.stdout.trim(), 'open ENOENT', 'the control: no --device, no node');
  });

  test('--device of a loop device: without it a node made inside does not open; with :rw it opens read-write; with :r only for reading', async (t) => {
    const reason = loopSkipReason();
    if (reason) return t.skip(reason);
    const w = worldFor(t, 'cf-devloop', { image: true });
    const loop = attachExt4Loop(tempDir(t, 'mydocker-devloop-'));
    t.after(() => loop.detach());
    const made = w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', `mknod /tmp/d b ${loop.major} ${loop.minor} && ${probe!.bin} open /tmp/d r`]);
    assert.match(made.stdout, /^open EPERM$/m, `default: ${made.stdout}${made.stderr}`);
    const rw = w.run(['run', '--rm', '--device', `${loop.path}:/dev/xvdc:rw`, ...probe!.volume, 'busybox', probe!.bin, 'open', '/dev/xvdc', 'rw']);
    assert.equal(rw.stdout.trim(), 'open ok', `:rw: ${rw.stderr}`);
    const id = sleeper(w, ['--device', `${loop.path}:/dev/xvdc:r`, ...probe!.volume]);
    assert.equal(w.run(['exec', id, probe!.bin, 'open', '/dev/xvdc', 'r']).stdout.trim(), 'open ok', ':r reads');
    assert.equal(w.run(['exec', id, probe!.bin, 'open', '/dev/xvdc', 'rw']).stdout.trim(), 'open EPERM', ':r does not write');
  });

  test('--cap-add NET_ADMIN: making a veth pair works only with it', async (t) => {
    const w = worldFor(t, 'cf-netadmin', { image: true });
    const script = 'ip link add a0 type veth peer name b0 && ip link show a0 >/dev/null && echo made';
    const without = w.run(['run', '--rm', 'busybox', 'sh', '-c', script]);
    assert.doesNotMatch(without.stdout, /made/);
    assert.match(without.stderr, /Operation not permitted/, without.stderr);
    const withCap = w.run(['run', '--rm', '--cap-add', 'NET_ADMIN', 'busybox', 'sh', '-c', `${script}; grep CapEff /proc/self/status`]);
    assert.match(withCap.stdout, /^made$/m, `${withCap.stdout}${withCap.stderr}`);
    assert.match(withCap.stdout, /CapEff:\s+00000000a80435fb/, 'the default 14 and NET_ADMIN (bit 12)');
  });

  test('--cap-drop CHOWN: chown fails (it works by default); --cap-drop ALL leaves root with nothing', async (t) => {
    const w = worldFor(t, 'cf-capdrop', { image: true });
    const script = 'touch /f && chown 1 /f && echo chowned; grep -E "^Cap(Eff|Bnd)" /proc/self/status';
    const dropped = w.run(['run', '--rm', '--cap-drop', 'CHOWN', 'busybox', 'sh', '-c', script]);
    assert.doesNotMatch(dropped.stdout, /chowned/);
    assert.match(dropped.stderr, /Operation not permitted/);
    assert.match(dropped.stdout, /CapEff:\s+00000000a80425fa/);
    assert.match(dropped.stdout, /CapBnd:\s+00000000a80425fa/);
    const id = sleeper(w, ['--cap-drop', 'CHOWN']);
    assert.doesNotMatch(w.run(['exec', id, 'sh', '-c', script]).stdout, /chowned/, 'exec');
    assert.match(ok(w.run(['run', '--rm', 'busybox', 'sh', '-c', script]), 'run'), /^chowned$/m, 'the control: root chowns by default');
    const all = parseStatus(ok(w.run(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'cat', '/proc/self/status']), '--cap-drop ALL'));
    assert.deepEqual([all.CapEff, all.CapBnd, all.CapPrm], ['0000000000000000', '0000000000000000', '0000000000000000']);
  });

  test('--security-opt seccomp=FILE.json: a profile of the user\'s refuses what it lists (mkdir), in run and exec; the default allows it', async (t) => {
    const w = worldFor(t, 'cf-profile', { image: true });
    const dir = tempDir(t, 'mydocker-profile-');
    const file = path.join(dir, 'no-mkdir.json');
    fs.writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    const script = 'mkdir /made && echo made; grep Seccomp: /proc/self/status';
    const run = w.run(['run', '--rm', '--security-opt', `seccomp=${file}`, 'busybox', 'sh', '-c', script]);
    assert.doesNotMatch(run.stdout, /made/, run.stdout);
    assert.match(run.stderr, /Operation not permitted/, run.stderr);
    assert.match(run.stdout, /Seccomp:\s+2/);
    const id = sleeper(w, ['--security-opt', `seccomp=${file}`]);
    assert.doesNotMatch(w.run(['exec', id, 'sh', '-c', script]).stdout, /made/, 'exec');
    assert.match(ok(w.run(['run', '--rm', 'busybox', 'sh', '-c', script]), 'run'), /^made$/m, 'the control');
  });

  test('inspect records the flags: HostConfig.Privileged, CapAdd, CapDrop, SecurityOpt, ReadonlyRootfs, Tmpfs, Devices and Config.User', async (t) => {
    const w = worldFor(t, 'cf-inspect', { image: true });
    ok(
      w.run(['run', '--name', 'flags', '--read-only', '--tmpfs', '/run:size=1m', '--tmpfs', '/tmp', '--cap-add', 'NET_ADMIN', '--cap-drop', 'CHOWN', '--device', '/dev/full:/dev/xvdc:rw', '-u', '1000:5', '--security-opt', 'no-new-privileges', 'busybox', 'true']),
      'run',
    );
    const [info] = JSON.parse(ok(w.run(['inspect', 'flags']), 'inspect'));
    assert.equal(info.HostConfig.Privileged, false);
    assert.deepEqual(info.HostConfig.CapAdd, ['NET_ADMIN']);
    assert.deepEqual(info.HostConfig.CapDrop, ['CHOWN']);
    assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.equal(info.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(info.HostConfig.Tmpfs, { '/run': 'size=1m', '/tmp': '' });
    assert.deepEqual(info.HostConfig.Devices, [{ PathOnHost: '/dev/full', PathInContainer: '/dev/xvdc', CgroupPermissions: 'rw' }]);
    assert.equal(info.Config.User, '1000:5');
    ok(w.run(['run', '--name', 'priv', '--privileged', 'busybox', 'true']), 'run --privileged');
    assert.equal(JSON.parse(w.run(['inspect', 'priv']).stdout)[0].HostConfig.Privileged, true);
  });

  test('bad values of each flag: exit 125, one line on stderr, nothing created (ps -a empty, no mount, no name)', async (t) => {
    const w = worldFor(t, 'cf-badflags', { image: true });
    const dir = tempDir(t, 'mydocker-badflags-');
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{"defaultAction": ');
    const unknownCall = path.join(dir, 'unknown.json');
    fs.writeFileSync(unknownCall, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_syscall'], action: 'SCMP_ACT_ERRNO' }] }));
    const bad: string[][] = [
      ['--cap-add', 'BOGUS'],
      ['--cap-drop', 'NOPE'],
      ['--security-opt', 'bogus'],
      ['--security-opt', 'seccomp'],
      ['--security-opt', 'seccomp=/nonexistent/profile.json'],
      ['--security-opt', `seccomp=${broken}`],
      ['--tmpfs', 'relative/path'],
      ['--tmpfs', '/run:size=abc'],
      ['--device', '/nonexistent-device'],
      ['--device', '/dev/full:relative'],
      ['--device', '/dev/full:/dev/x:rwz'],
      ['-u', 'bogus'],
      ['-u', '1000:bogus'],
      ['-u', ':'],
    ];
    for (const flags of bad) {
      const r = w.run(['run', '--rm', '--name', 'never', ...flags, 'busybox', 'true']);
      const what = flags.join(' ');
      assert.equal(r.status, 125, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, '', what);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
      assert.match(r.stderr, /^mydocker: /, what);
      assertNothing(w, what);
    }
    // A profile naming a call libseccomp does not know: refused like Docker, or ignored; never half a container.
    const unknown = w.run(['run', '--rm', '--security-opt', `seccomp=${unknownCall}`, 'busybox', 'true']);
    assert.ok(unknown.status === 0 || unknown.status === 125, `unknown syscall in a profile: ${unknown.status} ${unknown.stderr}`);
    assertNothing(w, 'a profile with an unknown call');

    const id = w.run(['run', '-d', 'busybox', 'sleep', '1000']).stdout.trim();
    const exec = w.run(['exec', '-u', 'bogus', id, 'true']);
    assert.equal(exec.status, 125, exec.stderr);
    assert.equal(exec.stderr.trim().split('\n').length, 1, exec.stderr);
    assert.equal(psRows(w).length, 1, 'only the running container');
  });
});

function assertNothing(w: World, what: string): void {
  assert.deepEqual(psRows(w), [], `${what}: ps -a is empty`);
  assert.deepEqual(w.containerIds(), [], `${what}: no container record`);
  assert.deepEqual(w.list('names'), [], `${what}: no name reserved`);
  assert.deepEqual(w.mounts(), [], `${what}: nothing mounted`);
  assert.deepEqual(w.list('storage/overlay'), [], `${what}: no container layer`);
}
