// The escape suite: what a container's processes are (capabilities, seccomp, no_new_privs, session
// keyring, descriptors) and the classic container escapes, each tried from inside a default
// container (and from an `exec`'d process) and shown to FAIL, and tried again with the protection
// turned off (--privileged, or the one flag that turns it off) and shown to SUCCEED: the suite
// proves it would see an escape. Every proof is harmless: a marker the host checks, a secret the
// test wrote and reads back, a same-value write; never a change of a host setting or of the host's
// disk. The syscall probe is test/support/probe.c, built static once for this file.
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, integrationSkipReason, shimSkipReason, waitFor, worldFor } from '../support/world.js';
import { tempDir } from '../support/tmp.js';
import { splitDev } from '../../src/security/devices.js';
import { spawnInPty } from '../support/pty.js';
import {
  asNobody,
  attachExt4Loop,
  bash,
  buildProbe,
  detachedOutput,
  filesystemOf,
  loopSkipReason,
  ownStatus,
  parseMountinfo,
  parseProbe,
  parseStatus,
  sleeper,
  state,
  verdicts,
  worldEnv,
  type BuiltProbe,
} from '../support/confinement.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;
const built = skip ? skip : buildProbe();
const probe: BuiltProbe | undefined = typeof built === 'string' ? undefined : built;
const probeSkip = typeof built === 'string' ? built : false;
after(() => probe?.remove());

/** Docker's 14 default capabilities. */
const DEFAULT_CAPS = '00000000a80425fb';
const NO_CAPS = '0000000000000000';
const STATUS_FIELDS = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp'] as const;

function confinement(statusText: string): Record<string, string | undefined> {
  const s = parseStatus(statusText);
  return Object.fromEntries(STATUS_FIELDS.map((f) => [f, s[f]]));
}

const DEFAULT_STATUS = { CapInh: NO_CAPS, CapPrm: DEFAULT_CAPS, CapEff: DEFAULT_CAPS, CapBnd: DEFAULT_CAPS, CapAmb: NO_CAPS, NoNewPrivs: '0', Seccomp: '2' };

function ok(r: { status: number | null; stderr: string }, what: string): void {
  assert.equal(r.status, 0, `${what} failed (${r.status}): ${r.stderr}`);
}

/** A file of random content in a host directory no container binds, and the content. */
function hostSecret(t: { after(fn: () => void): void }): { file: string; secret: string; dir: string } {
  const dir = tempDir(t, 'mydocker-secret-');
  const secret = `host-secret-${randomBytes(8).toString('hex')}`;
  const file = path.join(dir, 'secret');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  fs.readFileSync(file); // its atime is now past its mtime: reading it again changes nothing on disk
  return { file, secret, dir };
}

describe('confinement: what a container process is', { skip }, () => {
  test('run, run -d (its log), exec and the detached PID 1: the 14 default capabilities, seccomp filter mode, nothing inheritable or ambient, no_new_privs off', async (t) => {
    const w = worldFor(t, 'cf-status', { image: true });
    const run = w.run(['run', '--rm', 'busybox', 'cat', '/proc/self/status']);
    ok(run, 'run');
    assert.deepEqual(confinement(run.stdout), DEFAULT_STATUS, 'run');
    const detached = await detachedOutput(w, ['busybox', 'cat', '/proc/self/status']);
    assert.deepEqual(confinement(detached.stdout), DEFAULT_STATUS, 'run -d (from its log)');
    const id = sleeper(w);
    const exec = w.run(['exec', id, 'cat', '/proc/self/status']);
    ok(exec, 'exec');
    assert.deepEqual(confinement(exec.stdout), DEFAULT_STATUS, 'exec');
    const pid1 = w.run(['exec', id, 'cat', '/proc/1/status']);
    assert.deepEqual(confinement(pid1.stdout), DEFAULT_STATUS, 'the detached PID 1 (sleep), read by an exec');
  });

  test('--security-opt no-new-privileges: NoNewPrivs 1 for run, run -d and exec (0 without it, above)', async (t) => {
    const w = worldFor(t, 'cf-nnp', { image: true });
    const expected = { ...DEFAULT_STATUS, NoNewPrivs: '1' };
    const run = w.run(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'cat', '/proc/self/status']);
    ok(run, 'run');
    assert.deepEqual(confinement(run.stdout), expected, 'run');
    const detached = await detachedOutput(w, ['--security-opt', 'no-new-privileges', 'busybox', 'cat', '/proc/self/status']);
    assert.deepEqual(confinement(detached.stdout), expected, 'run -d');
    const id = sleeper(w, ['--security-opt', 'no-new-privileges']);
    assert.deepEqual(confinement(w.run(['exec', id, 'cat', '/proc/self/status']).stdout), expected, 'exec');
  });

  test('-u 1000 (run, run -d) and exec -u 1000: no permitted or effective capability, the default bounding set', async (t) => {
    const w = worldFor(t, 'cf-user', { image: true });
    const expected = { ...DEFAULT_STATUS, CapPrm: NO_CAPS, CapEff: NO_CAPS };
    const run = w.run(['run', '--rm', '-u', '1000', 'busybox', 'cat', '/proc/self/status']);
    ok(run, 'run -u 1000');
    assert.deepEqual(confinement(run.stdout), expected, 'run -u 1000');
    assert.equal(parseStatus(run.stdout).Uid?.split(/\s+/)[0], '1000');
    const detached = await detachedOutput(w, ['-u', '1000', 'busybox', 'cat', '/proc/self/status']);
    assert.deepEqual(confinement(detached.stdout), expected, 'run -d -u 1000');
    const id = sleeper(w);
    const exec = w.run(['exec', '-u', '1000', id, 'cat', '/proc/self/status']);
    ok(exec, 'exec -u 1000');
    assert.deepEqual(confinement(exec.stdout), expected, 'exec -u 1000');
  });

  test('--privileged (the control of the above): every capability this host\'s root has, no seccomp; for run and exec', async (t) => {
    const w = worldFor(t, 'cf-priv', { image: true });
    // This host's root lacks CAP_SYS_RESOURCE: "every capability" is the test process's own set.
    const all = ownStatus().CapBnd!;
    const expected = { CapInh: NO_CAPS, CapPrm: all, CapEff: all, CapBnd: all, CapAmb: NO_CAPS, NoNewPrivs: '0', Seccomp: '0' };
    const run = w.run(['run', '--rm', '--privileged', 'busybox', 'cat', '/proc/self/status']);
    ok(run, 'run --privileged');
    assert.deepEqual(confinement(run.stdout), expected, 'run --privileged');
    const id = sleeper(w, ['--privileged']);
    assert.deepEqual(confinement(w.run(['exec', id, 'cat', '/proc/self/status']).stdout), expected, 'exec into a privileged container');
  });
});

/** What the default container gets from each probe: seccomp (or a missing capability) says EPERM. */
const DEFAULT_VERDICTS = {
  keyctl: 'EPERM',
  add_key: 'EPERM',
  bpf: 'EPERM',
  perf_event_open: 'EPERM',
  userfaultfd: 'EPERM',
  unshare: 'EPERM',
  unshare_user: 'EPERM',
  clone_newns: 'EPERM',
  clone_newuser: 'EPERM',
  // clone3's flags are out of a filter's reach: ENOSYS sends libc back to clone.
  clone3: 'ENOSYS',
  mount: 'EPERM',
  fsopen: 'EPERM',
  io_uring_setup: 'EPERM',
  personality: 'EPERM',
  ptrace: 'ok',
  syslog: 'EPERM',
  reboot: 'EPERM',
  swapon: 'EPERM',
  // ENOSYS for everyone on this kernel (no modules): EPERM can only be the filter's answer.
  init_module: 'EPERM',
  open_by_handle_at: 'EPERM',
};
const PROBES = Object.keys(DEFAULT_VERDICTS);

function probeVerdicts(output: string): Record<string, string> {
  const all = verdicts(output);
  return Object.fromEntries(PROBES.map((name) => [name, all[name] ?? 'missing']));
}

/** The probes that still answer EPERM. */
function stillEperm(output: string): string[] {
  return Object.entries(probeVerdicts(output))
    .filter(([, v]) => v === 'EPERM' || v === 'missing')
    .map(([k]) => k);
}

describe('confinement: the syscall probe', { skip: skip || probeSkip }, () => {
  test('a default run, run -d and exec: keyctl, add_key, bpf, perf_event_open, userfaultfd, unshare, clone(NEWNS|NEWUSER), mount, fsopen, io_uring_setup, personality, syslog, reboot, swapon, init_module, open_by_handle_at are EPERM; clone3 ENOSYS; ptrace of its own child works', async (t) => {
    const w = worldFor(t, 'cf-sys', { image: true });
    const run = w.run(['run', '--rm', ...probe!.volume, 'busybox', probe!.bin, ...PROBES]);
    ok(run, 'run probe');
    assert.deepEqual(probeVerdicts(run.stdout), DEFAULT_VERDICTS, 'run');
    const detached = await detachedOutput(w, [...probe!.volume, 'busybox', probe!.bin, ...PROBES]);
    assert.deepEqual(probeVerdicts(detached.stdout), DEFAULT_VERDICTS, 'run -d');
    const id = sleeper(w, [...probe!.volume]);
    const exec = w.run(['exec', id, probe!.bin, ...PROBES]);
    ok(exec, 'exec probe');
    assert.deepEqual(probeVerdicts(exec.stdout), DEFAULT_VERDICTS, 'exec');
  });

  test('--security-opt seccomp=unconfined --cap-add ALL, and --privileged: none of them is EPERM any more (run and exec)', async (t) => {
    const w = worldFor(t, 'cf-sysoff', { image: true });
    for (const flags of [['--security-opt', 'seccomp=unconfined', '--cap-add', 'ALL'], ['--privileged']]) {
      const run = w.run(['run', '--rm', ...flags, ...probe!.volume, 'busybox', probe!.bin, ...PROBES]);
      ok(run, `run ${flags.join(' ')}`);
      assert.deepEqual(stillEperm(run.stdout), [], `run ${flags.join(' ')}: ${run.stdout}`);
      // ENOSYS from a kernel without modules (this project's CI machine), ENOEXEC for the empty image from one with them (the lab's).
      assert.match(verdicts(run.stdout).init_module!, /^(ENOSYS|ENOEXEC)$/, 'the kernel itself answers once no filter does');
      const id = sleeper(w, [...flags, ...probe!.volume]);
      const exec = w.run(['exec', id, probe!.bin, ...PROBES]);
      ok(exec, `exec into ${flags.join(' ')}`);
      assert.deepEqual(stillEperm(exec.stdout), [], `exec into ${flags.join(' ')}: ${exec.stdout}`);
    }
  });

  test('each layer holds alone: with every capability the filter still refuses keyctl, add_key, userfaultfd, swapon; without the filter the missing capabilities still refuse mount, unshare, bpf, syslog, reboot', async (t) => {
    const w = worldFor(t, 'cf-layers', { image: true });
    const caps = verdicts(w.run(['run', '--rm', '--cap-add', 'ALL', ...probe!.volume, 'busybox', probe!.bin, ...PROBES]).stdout);
    for (const name of ['keyctl', 'add_key', 'userfaultfd', 'swapon', 'personality', 'io_uring_setup']) assert.equal(caps[name], 'EPERM', `--cap-add ALL: ${name} (seccomp)`);
    for (const name of ['mount', 'fsopen', 'unshare', 'clone_newns', 'bpf', 'syslog']) assert.equal(caps[name], 'ok', `--cap-add ALL: ${name} (the filter lets a capable process)`);
    const filterless = verdicts(w.run(['run', '--rm', '--security-opt', 'seccomp=unconfined', ...probe!.volume, 'busybox', probe!.bin, ...PROBES]).stdout);
    for (const name of ['mount', 'fsopen', 'unshare', 'clone_newns', 'bpf', 'syslog', 'reboot', 'swapon', 'open_by_handle_at']) {
      assert.equal(filterless[name], 'EPERM', `seccomp=unconfined: ${name} (no capability)`);
    }
    for (const name of ['keyctl', 'add_key', 'personality']) assert.equal(filterless[name], 'ok', `seccomp=unconfined: ${name} (only the filter refused it)`);
  });

  test('the session keyring: run and exec each get a new one, never the caller\'s (which every host child shares)', async (t) => {
    const w = worldFor(t, 'cf-keyring', { image: true });
    const hostId = (): string => {
      const r = spawnSync(probe!.host, ['keyctl'], { encoding: 'utf8' });
      const m = /^keyctl ok (\d+)$/m.exec(r.stdout);
      assert.ok(m, `the host's keyctl: ${r.stdout}${r.stderr}`);
      return m[1]!;
    };
    const caller = hostId();
    assert.equal(hostId(), caller, 'the control: two children of the test share its session keyring');
    const inside = (output: string, what: string): string => {
      const m = /^keyctl ok (\d+)$/m.exec(output);
      assert.ok(m, `${what}: keyctl with seccomp=unconfined: ${output}`);
      return m[1]!;
    };
    const unconfined = ['--security-opt', 'seccomp=unconfined', ...probe!.volume];
    const run = inside(w.run(['run', '--rm', ...unconfined, 'busybox', probe!.bin, 'keyctl']).stdout, 'run');
    assert.notEqual(run, caller, 'run joined a new session keyring');
    const id = sleeper(w, unconfined);
    const exec = inside(w.run(['exec', id, probe!.bin, 'keyctl']).stdout, 'exec');
    assert.notEqual(exec, caller, 'exec joined a new session keyring');
    const pid1 = inside(w.run(['exec', id, 'sh', '-c', `${probe!.bin} keyctl`]).stdout, 'exec sh');
    assert.notEqual(pid1, caller);
  });
});

/** The v1 hierarchies mounted on the host: [mount point, mount options naming the hierarchy]. */
function v1Hierarchies(): Array<{ mountPoint: string; option: string }> {
  const found: Array<{ mountPoint: string; option: string }> = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const [type, , options = ''] = line.slice(dash + 3).split(' ');
    if (type !== 'cgroup') continue;
    const names = options.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent=') && o !== 'clone_children' && o !== 'xattr' && o !== 'noprefix');
    if (names.length === 0) continue;
    const option = names.some((n) => n.startsWith('name=')) && names.length === 1 ? `none,${names[0]}` : names.join(',');
    found.push({ mountPoint: line.slice(0, dash).split(' ')[4]!, option });
  }
  return found;
}

describe('confinement: escapes', { skip: skip || probeSkip }, () => {
  test('cgroup v1 release_agent: mounting a cgroup hierarchy fails in run and exec; with --privileged the host kernel runs a script of the container as root (a marker only the host could write)', async (t) => {
    const hierarchies = v1Hierarchies();
    if (hierarchies.length === 0) return t.skip('no cgroup v1 hierarchy is mounted on this host (cgroup v2 only)');
    const w = worldFor(t, 'cf-relagent', { image: true });
    const attempt = hierarchies.map((h) => `mkdir -p /tmp/c; if mount -t cgroup -o ${h.option} cgroup /tmp/c 2>/dev/null; then echo "mounted ${h.option}"; umount /tmp/c; else echo "refused ${h.option}"; fi`).join('; ');
    const run = w.run(['run', '--rm', 'busybox', 'sh', '-c', attempt]);
    ok(run, 'run');
    assert.doesNotMatch(run.stdout, /mounted/, `run: ${run.stdout}`);
    const id = sleeper(w);
    const exec = w.run(['exec', id, 'sh', '-c', attempt]);
    ok(exec, 'exec');
    assert.doesNotMatch(exec.stdout, /mounted/, `exec: ${exec.stdout}`);
    // The groups the runtime shows the container are read-only, and none holds a release_agent.
    const shown = w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', `for f in /sys/fs/cgroup/*/release_agent /sys/fs/cgroup/release_agent; do [ -e "$f" ] && echo "visible $f"; done; for d in /sys/fs/cgroup/*/; do [ -e "$d/notify_on_release" ] && ${probe!.bin} rewrite "$d/notify_on_release"; done; true`]);
    assert.doesNotMatch(shown.stdout, /visible|rewrite ok/, `the container's /sys/fs/cgroup: ${shown.stdout}`);

    // The control: --privileged. A hierarchy in which the container has no group of its own shows,
    // once mounted inside, its real root and that root's release_agent; the container writes the
    // same value back, then points it at a script in its own upper layer and empties a group with
    // notify_on_release: the host's kernel runs the script, as root, in the host's namespaces.
    const dir = tempDir(t, 'mydocker-relagent-');
    fs.chmodSync(dir, 0o755);
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared);
    const marker = path.join(dir, 'escaped');
    const group = `mydocker-test-escape-${randomBytes(4).toString('hex')}`;
    const saved = new Map(hierarchies.map((h) => [h.mountPoint, fs.readFileSync(path.join(h.mountPoint, 'release_agent'), 'utf8')]));
    t.after(() => {
      // Whatever happened inside: the host's release agents as they were, and no group of ours left.
      for (const h of hierarchies) {
        const agent = path.join(h.mountPoint, 'release_agent');
        if (fs.readFileSync(agent, 'utf8') !== saved.get(h.mountPoint)) fs.writeFileSync(agent, saved.get(h.mountPoint)!.trim() === '' ? '\n' : saved.get(h.mountPoint)!);
        const leftover = path.join(h.mountPoint, group);
        for (let i = 0; i < 50 && fs.existsSync(leftover); i++) {
          try {
            fs.rmdirSync(leftover);
          } catch {
            spawnSync('sleep', ['0.1']);
          }
        }
      }
    });
    const options = hierarchies.map((h) => h.option).join(' ');
    const script = `
      upper=$(sed -n 's/.*upperdir=\\([^,]*\\).*/\\1/p' /proc/self/mountinfo | head -1)
      mkdir -p /tmp/c
      for o in ${options}; do
        mount -t cgroup -o "$o" cgroup /tmp/c 2>/dev/null || continue
        if [ -e /tmp/c/release_agent ]; then used=$o; break; fi
        umount /tmp/c
      done
      [ -n "$used" ] || { echo "no hierarchy with a release_agent"; exit 3; }
      echo "hierarchy $used"
      ${probe!.bin} rewrite /tmp/c/release_agent
      old=$(cat /tmp/c/release_agent)
      printf '#!/bin/sh\\n{ id -u; readlink /proc/self/ns/mnt; } > %s\\ntouch %s/done\\n' "$MARKER" "$SHARED_HOST" > /agent.sh
      chmod 755 /agent.sh
      mkdir /tmp/c/${group}
      echo 1 > /tmp/c/${group}/notify_on_release
      echo "$upper/agent.sh" > /tmp/c/release_agent
      sh -c 'echo $$ > /tmp/c/${group}/cgroup.procs'
      i=0; while [ ! -e /shared/done ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
      echo "$old" > /tmp/c/release_agent
      rmdir /tmp/c/${group} 2>/dev/null
      umount /tmp/c
      [ -e /shared/done ] && echo "agent ran"
      true`;
    const privileged = w.run(['run', '--rm', '--privileged', '-e', `MARKER=${marker}`, '-e', `SHARED_HOST=${shared}`, '-v', `${shared}:/shared`, ...probe!.volume, 'busybox', 'sh', '-c', script]);
    if (/no hierarchy with a release_agent/.test(privileged.stdout)) {
      return t.skip(`every v1 hierarchy here holds the privileged container in a group of its own (${options}): no release_agent is reachable even with --privileged`);
    }
    assert.match(privileged.stdout, /^rewrite ok/m, `the same-value write to release_agent: ${privileged.stdout}${privileged.stderr}`);
    assert.match(privileged.stdout, /^agent ran$/m, `${privileged.stdout}${privileged.stderr}`);
    const [uid, mntns] = fs.readFileSync(marker, 'utf8').trim().split('\n');
    assert.equal(uid, '0', 'the host ran the container\'s script as root');
    // The helper runs in init's mount namespace; this test runs there too (init's own link may be unreadable).
    assert.equal(mntns, fs.readlinkSync('/proc/self/ns/mnt'), 'in the host\'s mount namespace');
  });

  test('the host\'s disk through a loop device: mknod works but opening and mounting fail by default; with --privileged a marker written inside is found by the host after detaching', async (t) => {
    const reason = loopSkipReason();
    if (reason) return t.skip(reason);
    const w = worldFor(t, 'cf-loop', { image: true });
    const dir = tempDir(t, 'mydocker-loop-');
    const loop = attachExt4Loop(dir);
    t.after(() => loop.detach());
    const marker = `marker-${randomBytes(6).toString('hex')}`;
    const attack = `mknod /tmp/d b ${loop.major} ${loop.minor} && echo mknod ok; ${probe!.bin} open /tmp/d rw; mkdir -p /tmp/m; ${probe!.bin} mount /tmp/d /tmp/m ext4 - -; true`;
    for (const [what, output] of [
      ['run', w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', attack]).stdout],
      ['exec', w.run(['exec', sleeper(w, [...probe!.volume]), 'sh', '-c', attack]).stdout],
    ] as const) {
      assert.match(output, /^mknod ok$/m, `${what}: mknod of a block node is allowed (m)`);
      assert.match(output, /^open EPERM$/m, `${what}: opening it is not`);
      assert.match(output, /^mount EPERM$/m, `${what}: nor mounting it`);
    }
    const privileged = w.run(['run', '--rm', '--privileged', ...probe!.volume, 'busybox', 'sh', '-c', `mknod /tmp/d b ${loop.major} ${loop.minor}; mkdir -p /tmp/m; ${probe!.bin} mount /tmp/d /tmp/m ext4 - - && echo ${marker} > /tmp/m/marker && umount /tmp/m`]);
    assert.match(privileged.stdout, /^mount ok$/m, `${privileged.stdout}${privileged.stderr}`);
    loop.detach();
    const read = spawnSync('debugfs', ['-R', 'cat /marker', loop.image], { encoding: 'utf8' });
    assert.equal(read.stdout.trim(), marker, 'the host finds the marker in the image');
  });

  test('the host\'s disk through its own device node: mknod works but opening and mounting fail (run, exec); with --privileged the host\'s filesystem mounts inside and a secret of the test is read', async (t) => {
    const w = worldFor(t, 'cf-hostdisk', { image: true });
    const { file, secret } = hostSecret(t);
    const { mount, inside } = filesystemOf(file);
    const { major, minor } = splitDev(BigInt(fs.statSync(file).dev));
    if (major === 0) return t.skip(`${file} lives on ${mount.fstype}, a filesystem without a block device`);
    const attack = `mknod /tmp/d b ${major} ${minor} && echo mknod ok; ${probe!.bin} open /tmp/d r; mkdir -p /tmp/m; ${probe!.bin} mount /tmp/d /tmp/m ${mount.fstype} noatime -; true`;
    for (const [what, output] of [
      ['run', w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', attack]).stdout],
      ['exec', w.run(['exec', sleeper(w, [...probe!.volume]), 'sh', '-c', attack]).stdout],
    ] as const) {
      assert.match(output, /^mknod ok$/m, `${what}: ${output}`);
      assert.match(output, /^open EPERM$/m, `${what}: ${output}`);
      assert.match(output, /^mount EPERM$/m, `${what}: ${output}`);
    }
    // The control: mounting an already-mounted filesystem from its node reuses the host's
    // superblock (read-write, as the host has it: a read-only mount of it is refused with EBUSY);
    // nothing is written, the secret is only read (noatime).
    const privileged = w.run(['run', '--rm', '--privileged', ...probe!.volume, 'busybox', 'sh', '-c', `mknod /tmp/d b ${major} ${minor}; mkdir -p /tmp/m; ${probe!.bin} mount /tmp/d /tmp/m ${mount.fstype} noatime - && cat /tmp/m${inside}; ${probe!.bin} umount /tmp/m`]);
    assert.match(privileged.stdout, /^mount ok$/m, `${privileged.stdout}${privileged.stderr}`);
    assert.ok(privileged.stdout.includes(secret), `--privileged read the host's file: ${privileged.stdout}`);
  });

  test('the devices cgroup: a node the container makes of a device outside the allow-list (/dev/kmsg, c 1:11) does not open in run, run -d or exec; with --privileged it does', async (t) => {
    const w = worldFor(t, 'cf-devcg', { image: true });
    const attack = `mknod /tmp/k c 1 11 && ${probe!.bin} open /tmp/k r`;
    assert.match(w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', attack]).stdout, /^open EPERM$/m, 'run');
    assert.match((await detachedOutput(w, [...probe!.volume, 'busybox', 'sh', '-c', attack])).stdout, /^open EPERM$/m, 'run -d');
    assert.match(w.run(['exec', sleeper(w, [...probe!.volume]), 'sh', '-c', attack]).stdout, /^open EPERM$/m, 'exec');
    assert.match(w.run(['run', '--rm', '--privileged', ...probe!.volume, 'busybox', 'sh', '-c', attack]).stdout, /^open ok$/m, '--privileged');
  });

  test('open_by_handle_at (Shocker): EPERM in run and exec; with --cap-add DAC_READ_SEARCH --security-opt seccomp=unconfined, or --privileged, a forged handle of the root of /etc/hosts\'s filesystem reads a host file', async (t) => {
    const w = worldFor(t, 'cf-shocker', { image: true });
    const { file, secret } = hostSecret(t);
    const { mount, inside } = filesystemOf(file);
    const hostsSource = filesystemOf(w.root);
    if (hostsSource.mount.major !== mount.major || hostsSource.mount.minor !== mount.minor) {
      return t.skip(`the test's temporary files and the state root (${w.root}) are on different filesystems`);
    }
    const attack = [probe!.bin, 'shocker', '/etc/hosts', inside.slice(1)];
    assert.equal(w.run(['run', '--rm', ...probe!.volume, 'busybox', ...attack]).stdout.trim(), 'shocker open_by_handle_at-EPERM', 'run');
    assert.equal(w.run(['exec', sleeper(w, [...probe!.volume]), ...attack]).stdout.trim(), 'shocker open_by_handle_at-EPERM', 'exec');
    if (!['ext2', 'ext3', 'ext4'].includes(mount.fstype)) return t.skip(`the control forges ext4's root handle; /etc/hosts's filesystem is ${mount.fstype}`);
    for (const flags of [['--cap-add', 'DAC_READ_SEARCH', '--security-opt', 'seccomp=unconfined'], ['--privileged']]) {
      const r = w.run(['run', '--rm', ...flags, ...probe!.volume, 'busybox', ...attack]);
      assert.equal(r.stdout.trim(), `shocker ok ${secret}`, `${flags.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const id = sleeper(w, ['--cap-add', 'DAC_READ_SEARCH', '--security-opt', 'seccomp=unconfined', ...probe!.volume]);
    assert.equal(w.run(['exec', id, ...attack]).stdout.trim(), `shocker ok ${secret}`, 'exec into the capable container');
  });

  test('inherited descriptors: the caller\'s fd 200 (the host\'s /) does not exist inside run, run -d or exec; the same shell sees it without mydocker', async (t) => {
    const w = worldFor(t, 'cf-fds', { image: true });
    const hostTop = fs.readdirSync('/').filter((n) => !n.startsWith('.'));
    const control = bash(w, 'exec 200</; ls /proc/self/fd/200/');
    assert.deepEqual(control.stdout.trim().split('\n').sort(), [...hostTop].sort(), 'the control: the shell lists the host\'s / through fd 200');
    const run = bash(w, 'exec 200</; exec $CLI run --rm busybox ls /proc/self/fd/200/');
    assert.equal(run.status, 1, `run: ${run.stdout}${run.stderr}`);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /\/proc\/self\/fd\/200\/: No such file or directory/);
    const started = bash(w, 'exec 200</; exec $CLI run -d busybox sh -c "ls /proc/self/fd/200/; echo fds; ls /proc/1/fd; true"');
    assert.equal(started.status, 0, started.stderr);
    const id = started.stdout.trim();
    await waitFor(() => state(w, id) === 'exited', 'the detached container to end');
    const logs = w.run(['logs', id]);
    assert.match(logs.stderr, /\/proc\/self\/fd\/200\/: No such file or directory/, `run -d: ${logs.stdout}${logs.stderr}`);
    assert.deepEqual(logs.stdout.split('fds\n')[1]?.trim().split('\n').sort(), ['0', '1', '2'], 'PID 1 of run -d has only 0, 1, 2');
    const target = sleeper(w);
    const exec = bash(w, `exec 200</; exec $CLI exec ${target} ls /proc/self/fd/200/`);
    assert.equal(exec.status, 1, `exec: ${exec.stdout}${exec.stderr}`);
    assert.equal(exec.stdout, '');
    const execFds = bash(w, `exec 200</ 201</tmp; exec $CLI exec ${target} sh -c 'ls /proc/$$/fd; true'`);
    assert.deepEqual(execFds.stdout.trim().split('\n').sort(), ['0', '1', '2'], `exec: ${execFds.stdout}${execFds.stderr}`);
  });

  test('host users becoming root (CVE-2021-41091): the host\'s nobody cannot reach merged/ or upper/ of a running container that made a setuid-root program; host root can; with the directories opened up it would be root', async (t) => {
    const w = worldFor(t, 'cf-41091', { image: true });
    // A state root that an older tool left world-readable: the runtime repairs it.
    fs.chmodSync(w.root, 0o755);
    const id = sleeper(w, [...probe!.volume]);
    ok(w.run(['exec', id, 'sh', '-c', `cp ${probe!.bin} /suid && chmod 4755 /suid`]), 'making a setuid copy');
    const layer = path.join(w.root, 'storage', 'overlay', id);
    const merged = path.join(layer, 'merged');
    const upper = path.join(layer, 'upper');
    assert.equal(fs.statSync(path.join(upper, 'suid')).mode & 0o4000, 0o4000, 'host root reaches upper/ and sees the setuid bit');
    assert.ok(fs.existsSync(path.join(merged, 'suid')), 'host root reaches merged/');
    assert.equal(spawnSync(path.join(upper, 'suid'), ['whoami'], { encoding: 'utf8' }).stdout, 'euid 0\n');
    for (const dir of [merged, upper]) {
      for (const p of [dir, path.join(dir, 'suid')]) {
        const r = asNobody(['stat', p]);
        assert.notEqual(r.status, 0, `nobody reached ${p}`);
        assert.match(r.stderr, /Permission denied/, p);
      }
      const run = asNobody([path.join(dir, 'suid'), 'whoami']);
      assert.notEqual(run.stdout, 'euid 0\n', `nobody ran ${dir}/suid as root`);
      assert.match(run.stderr, /Permission denied/, `${dir}/suid`);
    }
    assert.equal(fs.statSync(w.root).mode & 0o777, 0o710, 'the runtime repaired the root');

    // The control: the same paths with the directories opened up (as the CVE's Docker had them).
    const opened = [w.root, path.join(w.root, 'storage'), path.join(w.root, 'storage', 'overlay'), layer];
    const modes = opened.map((d) => fs.statSync(d).mode & 0o7777);
    try {
      for (const d of opened) fs.chmodSync(d, 0o755);
      assert.equal(asNobody([path.join(upper, 'suid'), 'whoami']).stdout, 'euid 0\n', 'the control: nobody becomes root through upper/');
      assert.equal(asNobody([path.join(merged, 'suid'), 'whoami']).stdout, 'euid 0\n', 'the control: nobody becomes root through merged/');
    } finally {
      opened.forEach((d, i) => fs.chmodSync(d, modes[i]!));
    }
  });

  test('/proc: a same-value write to /proc/sys/kernel/core_pattern fails, /proc/keys and /proc/timer_list read empty, the kernel log is refused; --privileged can do each', async (t) => {
    const w = worldFor(t, 'cf-proc', { image: true });
    const script = `${probe!.bin} rewrite /proc/sys/kernel/core_pattern; echo "keys $(cat /proc/keys 2>/dev/null | wc -c)"; echo "timer_list $(cat /proc/timer_list 2>/dev/null | wc -c)"; dmesg >/dev/null 2>&1 && echo "dmesg ok" || echo "dmesg refused"; ${probe!.bin} open /proc/kmsg r`;
    const hostHas = (file: string): boolean => fs.existsSync(file) && fs.readFileSync(file).length > 0;
    for (const [what, output] of [
      ['run', w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', script]).stdout],
      ['exec', w.run(['exec', sleeper(w, [...probe!.volume]), 'sh', '-c', script]).stdout],
    ] as const) {
      const v = parseProbe(output);
      assert.equal(v.rewrite, 'EROFS', `${what}: core_pattern: ${output}`);
      assert.equal(v.keys, '0', `${what}: /proc/keys`);
      assert.equal(v.timer_list, '0', `${what}: /proc/timer_list`);
      assert.equal(v.dmesg, 'refused', `${what}: dmesg`);
      assert.equal(v.open, 'EPERM', `${what}: /proc/kmsg`);
    }
    const privileged = parseProbe(w.run(['run', '--rm', '--privileged', ...probe!.volume, 'busybox', 'sh', '-c', script]).stdout);
    assert.match(privileged.rewrite ?? '', /^ok \d+$/, '--privileged: the same value went back into core_pattern');
    assert.notEqual(privileged.keys, '0', '--privileged: /proc/keys shows at least the container\'s own session keyring');
    if (hostHas('/proc/timer_list')) assert.notEqual(privileged.timer_list, '0', '--privileged: /proc/timer_list');
    assert.equal(privileged.dmesg, 'ok', '--privileged: dmesg');
    assert.equal(privileged.open, 'ok', '--privileged: /proc/kmsg');
  });

  test('/sys: remounting it read-write fails in run and exec; --privileged can (on the container\'s own sysfs, left read-only again)', async (t) => {
    const w = worldFor(t, 'cf-sys-rw', { image: true });
    const attack = `${probe!.bin} mount none /sys none remount -; grep ' /sys ' /proc/self/mountinfo`;
    for (const [what, output] of [
      ['run', w.run(['run', '--rm', ...probe!.volume, 'busybox', 'sh', '-c', attack]).stdout],
      ['exec', w.run(['exec', sleeper(w, [...probe!.volume]), 'sh', '-c', attack]).stdout],
    ] as const) {
      assert.match(output, /^mount EPERM$/m, `${what}: ${output}`);
      assert.match(output, / \/sys ro,/, `${what}: /sys stays read-only: ${output}`);
    }
    // The control, only on a sysfs of the container's own network namespace (a superblock that is
    // not the host's): remount rw works; then the mount alone is made read-only again.
    const hostSys = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')).find((m) => m.mountPoint === '/sys')!;
    const [own] = parseMountinfo(w.run(['run', '--rm', '--privileged', 'busybox', 'grep', ' /sys ', '/proc/self/mountinfo']).stdout.split('\n')[0]!);
    assert.ok(own, 'a privileged container has a /sys');
    if (`${own.major}:${own.minor}` === `${hostSys.major}:${hostSys.minor}`) return t.skip('the privileged container\'s sysfs is the host\'s superblock: its remount is not tried');
    const script = `${probe!.bin} mount none /sys none remount,bind,rdonly -; ${probe!.bin} mount none /sys none remount -; grep ' /sys ' /proc/self/mountinfo | head -1; ${probe!.bin} mount none /sys none remount,bind,rdonly -`;
    const privileged = w.run(['run', '--rm', '--privileged', ...probe!.volume, 'busybox', 'sh', '-c', script]);
    const lines = privileged.stdout.trim().split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('mount ')), ['mount ok', 'mount ok', 'mount ok'], privileged.stdout);
    assert.match(lines[2]!, / \/sys rw,/, `--privileged: /sys was remounted read-write: ${privileged.stdout}`);
  });

  test('raising its own limits: with -m 64m, mounting the memory hierarchy fails and the shown one is read-only (run, exec); with --privileged the same-value write to memory.limit_in_bytes goes through', async (t) => {
    const memory = v1Hierarchies().find((h) => h.option.split(',').includes('memory'));
    if (!memory) return t.skip('no cgroup v1 memory hierarchy on this host');
    const w = worldFor(t, 'cf-limits', { image: true });
    const attack = `mkdir -p /tmp/m; ${probe!.bin} mount cgroup /tmp/m cgroup - memory; [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ] && ${probe!.bin} rewrite /sys/fs/cgroup/memory/memory.limit_in_bytes; true`;
    for (const [what, output] of [
      ['run', w.run(['run', '--rm', '-m', '64m', ...probe!.volume, 'busybox', 'sh', '-c', attack]).stdout],
      ['exec', w.run(['exec', sleeper(w, ['-m', '64m', ...probe!.volume]), 'sh', '-c', attack]).stdout],
    ] as const) {
      assert.match(output, /^mount EPERM$/m, `${what}: ${output}`);
      assert.doesNotMatch(output, /^rewrite ok/m, `${what}: ${output}`);
    }
    const privileged = w.run(['run', '--rm', '--privileged', '-m', '64m', ...probe!.volume, 'busybox', 'sh', '-c', `mkdir -p /tmp/m; ${probe!.bin} mount cgroup /tmp/m cgroup - memory && cat /tmp/m/memory.limit_in_bytes && ${probe!.bin} rewrite /tmp/m/memory.limit_in_bytes; umount /tmp/m`]);
    assert.deepEqual(privileged.stdout.trim().split('\n').slice(0, 2), ['mount ok', String(64 << 20)], `${privileged.stdout}${privileged.stderr}`);
    assert.match(privileged.stdout, /^rewrite ok/m, privileged.stdout);
  });

  // The container's stdio are pipes the CLI relays, so there is no terminal to push into (ENOTTY);
  // were the caller's terminal handed in, pushing would still need CAP_SYS_ADMIN (EPERM).
  test('the caller\'s terminal without -t: pushing input into it (TIOCSTI) fails in run and exec; the same probe on the host succeeds', async (t) => {
    const w = worldFor(t, 'cf-tiocsti', { image: true });
    const inPty = async (argv: string[]): Promise<string> => {
      // setsid -c: the program's session gets the pty as its controlling terminal, as a login shell has.
      const session = spawnInPty('setsid', ['-c', '-w', ...argv], worldEnv(w));
      t.after(() => session.close());
      await session.exit;
      return session.screen();
    };
    assert.match(await inPty([probe!.host, 'tiocsti', '1']), /tiocsti ok/, 'the control: a host process can push input into its terminal');
    const node = process.execPath;
    assert.match(await inPty([node, CLI, 'run', '--rm', ...probe!.volume, 'busybox', probe!.bin, 'tiocsti', '1']), /tiocsti (EPERM|ENOTTY)/, 'run');
    const id = sleeper(w, [...probe!.volume]);
    assert.match(await inPty([node, CLI, 'exec', id, probe!.bin, 'tiocsti', '1']), /tiocsti (EPERM|ENOTTY)/, 'exec');
  });

  // No flag turns this off: the CLI relays the stdio of run, exec and start -a through pipes and
  // never hands the container a descriptor of the caller's (the terminal here).
  test(
    'the caller\'s terminal and exec without -t: the container cannot take it and keep it after the exec has ended',
    async (t) => {
      const w = worldFor(t, 'cf-grab', { image: true });
      // PID 1 watches for any other process with a terminal, takes it, waits for that process to
      // end, then writes into the terminal it kept.
      const grab = `while :; do for p in /proc/[0-9]*; do [ "$p" = /proc/$$ ] && continue; for n in 0 1 2; do t=$(readlink $p/fd/$n 2>/dev/null); case "$t" in /dev/pts/*) exec 7<>$p/fd/$n; echo "grabbed $t"; while [ -e $p ]; do sleep 0.05; done; echo HIJACKED >&7; echo wrote; sleep 1000;; esac; done; done; sleep 0.05; done`;
      const id = w.run(['run', '-d', 'busybox', 'sh', '-c', grab]).stdout.trim();
      const session = spawnInPty('setsid', ['-c', '-w', process.execPath, CLI, 'exec', id, 'sleep', '2'], worldEnv(w));
      t.after(() => session.close());
      assert.equal(await session.exit, 0, session.screen());
      // One more exec (with no terminal) lets the watcher finish a scan after the first one ended.
      w.run(['exec', id, 'sleep', '1']);
      const logs = (): string => w.run(['logs', id]).stdout;
      if (/grabbed/.test(logs())) await waitFor(() => /wrote/.test(logs()), 'the container to use the terminal it took');
      assert.doesNotMatch(logs(), /grabbed/, 'the container took the exec\'s terminal');
      assert.doesNotMatch(session.screen(), /HIJACKED/, 'the container wrote into the caller\'s terminal after the exec ended');
    },
  );

  test('working directory through a descriptor (CVE-2024-21626): -w /proc/self/fd/N never lands outside the container, in run or exec; a host shell does', async (t) => {
    const w = worldFor(t, 'cf-leaky', { image: true });
    const cwd = tempDir(t, 'mydocker-cwd-');
    const mark = `leak-${randomBytes(6).toString('hex')}`;
    fs.writeFileSync(path.join(cwd, mark), '');
    const image = new Set(w.run(['run', '--rm', 'busybox', 'ls', '-a', '/']).stdout.split('\n'));
    const hostOnly = fs.readdirSync('/').filter((n) => !image.has(n));
    assert.ok(hostOnly.length > 0, 'the host\'s / has names the image lacks');
    const look = 'ls -a; cd ../../../../../../../../.. && ls -a';
    const leaked = (output: string): boolean => output.includes(mark) || output.split('\n').some((n) => hostOnly.includes(n));
    const control = bash(w, `exec 7<${cwd}; cd /proc/self/fd/7 && ${look}`);
    assert.ok(leaked(control.stdout), `the control: a host shell's cwd through fd 7 shows the host: ${control.stdout}`);
    const id = sleeper(w);
    for (let n = 3; n <= 12; n++) {
      for (const [what, r] of [
        ['run', bash(w, `exec $CLI run --rm -w /proc/self/fd/${n} busybox sh -c '${look}'`, { cwd })],
        ['exec', bash(w, `exec $CLI exec -w /proc/self/fd/${n} ${id} sh -c '${look}'`, { cwd })],
      ] as const) {
        assert.ok(!leaked(r.stdout), `${what} -w /proc/self/fd/${n} reached the host: ${r.stdout}`);
      }
    }
  });
});
