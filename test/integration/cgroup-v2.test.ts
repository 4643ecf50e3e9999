// cgroup v2 against the real kernel, with real containers: the values the kernel keeps in each
// container's group (read from the host side, not from a fake), the device program's effect on
// opens inside a container, membership from the first instruction, OOM, and the group's removal.
// Skipped on a v1 or hybrid host (such as this project's CI machine): `npm run lab` boots a
// Debian 12 guest with pure cgroup v2 and runs it there, where MYDOCKER_REQUIRE_CGROUP_V2=1 makes
// a skip a failure.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { World, worldFor, integrationSkipReason, required, shimSkipReason, waitFor } from '../support/world.js';
import { attachLoop } from '../support/device-probe.js';

/** /sys/fs/cgroup when it is a cgroup2 mount (the unified hierarchy alone), else null. */
function unifiedRoot(): string | null {
  const line = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === '/sys/fs/cgroup');
  return line !== undefined && / - cgroup2 /.test(line) ? '/sys/fs/cgroup' : null;
}

const root = unifiedRoot();
const skip =
  integrationSkipReason() ??
  shimSkipReason() ??
  required(root === null ? 'needs a cgroup v2 host: run `npm run lab`' : null, 'MYDOCKER_REQUIRE_CGROUP_V2') ??
  false;

/** The container's group directory, as the cgroups plugin saved it. */
function groupOf(w: World, name: string): string {
  const [info] = JSON.parse(w.run(['inspect', name]).stdout);
  const dir = info.PluginState['mydocker:cgroups'].paths.unified as string;
  assert.ok(dir, `no unified group in ${JSON.stringify(info.PluginState['mydocker:cgroups'])}`);
  return dir;
}

const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8').trim();

describe('cgroup v2 (real kernel values)', { skip }, () => {
  test('each limit is in its control file: memory.max, memory.swap.max, cpu.max, cpu.weight, cpuset, pids.max', (t) => {
    const w = worldFor(t, 'v2-limits', { image: true });
    const run = w.run(['run', '-d', '--name', 'limited', '-m', '32m', '--memory-swap', '96m', '--cpus', '0.5', '--cpu-shares', '512',
      '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '20', 'busybox', 'sleep', '1000']);
    assert.equal(run.status, 0, run.stderr);
    const id = run.stdout.trim();
    const dir = groupOf(w, 'limited');
    assert.equal(dir, path.join(root!, w.cgroupParent, id));
    assert.equal(read(dir, 'memory.max'), String(32 * 1024 * 1024));
    // Docker's --memory-swap is memory plus swap; v2 keeps the swap alone.
    assert.equal(read(dir, 'memory.swap.max'), String(64 * 1024 * 1024));
    assert.equal(read(dir, 'cpu.max'), '50000 100000');
    assert.equal(read(dir, 'cpu.weight'), '59'); // 512 shares, as runc >= 1.4 maps them
    assert.equal(read(dir, 'cpuset.cpus'), '0');
    assert.equal(read(dir, 'cpuset.mems'), '0');
    assert.equal(read(dir, 'pids.max'), '20');
    // The controllers the limits need are on for the container's group, in its parent.
    const enabled = read(path.dirname(dir), 'cgroup.subtree_control').split(' ');
    for (const c of ['cpu', 'cpuset', 'memory', 'pids']) assert.ok(enabled.includes(c), `${c} in ${enabled.join(' ')}`);

    const pid = w.record(id)?.state.pid;
    assert.ok(pid, 'the record has its PID 1');
    assert.equal(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim(), `0::/${w.cgroupParent}/${id}`);
    assert.equal(read(dir, 'cgroup.procs'), String(pid));

    // stats reads the same files: the limit, and one process.
    const stats = w.run(['stats', '--no-stream', 'limited']);
    assert.equal(stats.status, 0, stats.stderr);
    const cells = stats.stdout.trim().split('\n')[1]!.split(/\s{2,}/);
    assert.match(cells[3]!, /\/ 32MiB$/);
    assert.equal(cells[5], '1');
  });

  test('without limits the files hold the kernel\'s defaults; --memory-swap -1 leaves swap unlimited', (t) => {
    const w = worldFor(t, 'v2-defaults', { image: true });
    assert.equal(w.run(['run', '-d', '--name', 'plain', 'busybox', 'sleep', '1000']).status, 0);
    const plain = groupOf(w, 'plain');
    for (const [file, value] of [['memory.max', 'max'], ['memory.swap.max', 'max'], ['cpu.max', 'max 100000'], ['cpu.weight', '100'], ['pids.max', 'max']]) {
      assert.equal(read(plain, file!), value, file);
    }
    assert.equal(w.run(['run', '-d', '--name', 'swap', '-m', '16m', '--memory-swap', '-1', 'busybox', 'sleep', '1000']).status, 0);
    const swap = groupOf(w, 'swap');
    assert.equal(read(swap, 'memory.max'), String(16 * 1024 * 1024));
    assert.equal(read(swap, 'memory.swap.max'), 'max');
  });

  test('the first process is in its group before its first instruction', (t) => {
    const w = worldFor(t, 'v2-first', { image: true });
    // One `cat` is the container's first program. Its cgroup namespace was made by the init once
    // in the group: "0::/" and the group's own memory.max at /sys/fs/cgroup prove both.
    const r = w.run(['run', '--rm', '-m', '48m', 'busybox', 'cat', '/proc/self/cgroup', '/sys/fs/cgroup/memory.max']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['0::/', String(48 * 1024 * 1024)]);
  });

  test('exec joins the container\'s group', (t) => {
    const w = worldFor(t, 'v2-exec', { image: true });
    assert.equal(w.run(['run', '-d', '--name', 'box', 'busybox', 'sleep', '1000']).status, 0);
    const dir = groupOf(w, 'box');
    const exec = w.run(['exec', 'box', 'sh', '-c', 'cat /proc/self/cgroup; grep -x "$$" /sys/fs/cgroup/cgroup.procs']);
    assert.equal(exec.status, 0, exec.stderr);
    const [own, listed] = exec.stdout.trim().split('\n');
    assert.equal(own, '0::/');
    assert.ok(Number(listed) > 1, exec.stdout);
    assert.equal(read(dir, 'pids.current'), '1', 'the exec\'d shell has left the group with its end');
  });

  test('the device program: a block device node made inside cannot be opened (EPERM) unless given with --device', (t) => {
    const w = worldFor(t, 'v2-devices', { image: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-v2-devices-'));
    const loop = attachLoop(tmp);
    t.after(() => {
      loop.detach();
      fs.rmSync(tmp, { recursive: true, force: true });
    });
    // mknod is allowed (images carry nodes), opening is not; /dev/null and /dev/zero are.
    const script = `mknod /tmp/blk b ${loop.major} ${loop.minor} && echo made
      head -c 512 /tmp/blk > /dev/null && echo opened
      head -c 4 /dev/zero > /dev/null && echo x > /dev/null && echo standard`;
    const denied = w.run(['run', '--rm', 'busybox', 'sh', '-c', script]);
    assert.deepEqual(denied.stdout.trim().split('\n'), ['made', 'standard'], denied.stderr);
    assert.match(denied.stderr, /Operation not permitted/);
    // The same container with the device allowed: the refusal was the program's, not something else.
    const allowed = w.run(['run', '--rm', '--device', `${loop.path}:/dev/xvda`, 'busybox', 'sh', '-c', script]);
    assert.deepEqual(allowed.stdout.trim().split('\n'), ['made', 'opened', 'standard'], allowed.stderr);
  });

  test('a device program is attached to the container\'s group only, and goes with it', (t) => {
    const w = worldFor(t, 'v2-bpf', { image: true });
    assert.equal(w.run(['run', '-d', '--name', 'box', 'busybox', 'sleep', '1000']).status, 0);
    const dir = groupOf(w, 'box');
    // Reading what is attached needs bpftool; the effect is checked above. Here: the group exists,
    // holds PID 1, and is gone (with its program) after rm.
    assert.ok(fs.existsSync(dir));
    assert.equal(w.run(['rm', '-f', 'box']).status, 0);
    assert.ok(!fs.existsSync(dir), `${dir} is left after rm`);
    assert.ok(!fs.existsSync(path.dirname(dir)), 'the parent, left empty, is removed too');
  });

  test('--privileged: the view is writable, but with nsdelegate the kernel keeps the limits of the namespace\'s root', (t) => {
    const w = worldFor(t, 'v2-privileged', { image: true });
    const nsdelegate = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === root && /[ ,]nsdelegate/.test(l));
    const script = 'echo $$ > /sys/fs/cgroup/cgroup.procs && echo moved; echo 10 > /sys/fs/cgroup/pids.max && echo limited; cat /sys/fs/cgroup/pids.max';
    const r = w.run(['run', '--rm', '--privileged', '--pids-limit', '20', 'busybox', 'sh', '-c', script]);
    assert.equal(r.status, 0, r.stderr);
    // systemd mounts cgroup2 with nsdelegate: a cgroup namespace is a delegation boundary.
    assert.deepEqual(r.stdout.trim().split('\n'), nsdelegate ? ['moved', '20'] : ['moved', 'limited', '10']);
    if (nsdelegate) assert.match(r.stderr, /Operation not permitted/);
  });

  test('OOM: a hog under -m 32m is killed, 137, OOMKilled; a survivor\'s group counts the kill', async (t) => {
    const w = worldFor(t, 'v2-oom', { image: true });
    const hog = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'];
    const r = w.run(['run', '--name', 'hog', '-m', '32m', '--memory-swap', '32m', 'busybox', ...hog]);
    assert.equal(r.status, 137, r.stderr);
    const [info] = JSON.parse(w.run(['inspect', 'hog']).stdout);
    assert.equal(info.State.OOMKilled, true);
    assert.equal(info.State.ExitCode, 137);
    assert.deepEqual(w.cgroups(), [], 'the group is removed when the container ends');

    // A PID 1 that outlives its killed child: the kernel's own count, in memory.events.
    assert.equal(w.run(['run', '-d', '--name', 'survivor', '-m', '32m', '--memory-swap', '32m', 'busybox', 'sh', '-c', `${hog.join(' ')}; sleep 1000`]).status, 0);
    const dir = groupOf(w, 'survivor');
    await waitFor(() => /^oom_kill [1-9]/m.test(read(dir, 'memory.events')), 'memory.events to count an OOM kill');
    assert.equal(w.run(['rm', '-f', 'survivor']).status, 0);
    assert.ok(!fs.existsSync(dir), `${dir} is left after rm`);
  });

  test('pause: cgroup.freeze of the container\'s group, frozen per cgroup.events; unpause and rm -f of a paused one', async (t) => {
    const w = worldFor(t, 'v2-pause', { image: true });
    assert.equal(w.run(['run', '-d', '--name', 'frozen', 'busybox', 'sleep', '1000']).status, 0);
    const dir = groupOf(w, 'frozen');
    const p = w.run(['pause', 'frozen']);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(read(dir, 'cgroup.freeze'), '1');
    assert.match(read(dir, 'cgroup.events'), /^frozen 1$/m);
    assert.equal(JSON.parse(w.run(['inspect', 'frozen']).stdout)[0].State.Status, 'paused');
    assert.equal(w.run(['unpause', 'frozen']).status, 0);
    await waitFor(() => /^frozen 0$/m.test(read(dir, 'cgroup.events')), 'the group to thaw');
    assert.equal(w.run(['pause', 'frozen']).status, 0);
    assert.equal(w.run(['rm', '-f', 'frozen']).status, 0);
    assert.ok(!fs.existsSync(dir), `${dir} is left after rm -f of a paused container`);
  });
});
