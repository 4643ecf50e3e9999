// Resource limits against the real cgroups of this host (v1, v2 or hybrid), with real containers.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;


/** The container's cgroup directories, as the cgroups plugin saved them. */
function groups(w: World, name: string): Record<string, string> {
  const [info] = JSON.parse(w.run(['inspect', name]).stdout);
  return info.PluginState['mydocker:cgroups'].paths;
}

/** A control file of the container, wherever this layout keeps it (v1 controller dir or v2). */
function control(paths: Record<string, string>, v1: [string, string], v2: string): string {
  const dir = paths.unified ?? paths[v1[0]]!;
  return fs.readFileSync(path.join(dir, paths.unified ? v2 : v1[1]), 'utf8').trim();
}

describe('cgroups', { skip }, () => {
  test('the limit files hold the values asked for; exec joins the group; all is removed at the end', async (t) => {
    const w = worldFor(t, 'limits', { image: true });
    const run = w.run(['run', '-d', '--name', 'limited', '-m', '32m', '--cpus', '0.5', '--cpu-shares', '512', '--cpuset-cpus', '0', '--pids-limit', '20', 'busybox', 'sleep', '1000']);
    assert.equal(run.status, 0, run.stderr);
    const paths = groups(w, 'limited');
    for (const dir of Object.values(paths)) assert.ok(path.basename(dir) === run.stdout.trim() && dir.includes(w.cgroupParent), dir);
    assert.equal(control(paths, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(32 * 1024 * 1024));
    if (paths.unified) {
      assert.equal(control(paths, ['cpu', ''], 'cpu.max'), '50000 100000');
      assert.equal(control(paths, ['cpu', ''], 'cpu.weight'), '59');
    } else {
      assert.equal(control(paths, ['cpu', 'cpu.cfs_quota_us'], ''), '50000');
      assert.equal(control(paths, ['cpu', 'cpu.cfs_period_us'], ''), '100000');
      assert.equal(control(paths, ['cpu', 'cpu.shares'], ''), '512');
    }
    assert.equal(control(paths, ['cpuset', 'cpuset.cpus'], 'cpuset.cpus'), '0');
    assert.equal(control(paths, ['pids', 'pids.max'], 'pids.max'), '20');

    const pid = w.record(run.stdout.trim())?.state.pid;
    assert.ok(pid, 'the record has its PID 1');
    const own = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    assert.ok(own.includes(`/${w.cgroupParent}/`), own);
    // Inside, the container's cgroup namespace makes its group "/": the exec'd shell finds itself
    // among the group's processes, as the container's view lists them.
    const exec = w.run(['exec', 'limited', 'sh', '-c', 'cat /proc/self/cgroup; grep -qx "$$" /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null || grep -qx "$$" /sys/fs/cgroup/cgroup.procs']);
    assert.equal(exec.status, 0, `the exec'd process is not in the container's group: ${exec.stdout}${exec.stderr}`);
    assert.ok(!exec.stdout.includes(w.cgroupParent), `the host's cgroup paths show through: ${exec.stdout}`);

    assert.equal(w.run(['rm', '-f', 'limited']).status, 0);
    await waitFor(() => w.cgroups().length === 0, 'the cgroups to be removed');
  });

  test('a container reads its own limits at /sys/fs/cgroup, and cannot write them (issue 17)', (t) => {
    const w = worldFor(t, 'view', { image: true });
    // Either layout: v1 has a directory per hierarchy (cpu may be co-mounted with cpuacct), v2 one.
    // A real write of a same value: BusyBox's [ -w ] is true for root even on a read-only mount.
    // On v2 that is the shell moving itself into its own group: a cgroup2 mounted with nsdelegate
    // (systemd's) lets a namespace write only cgroup.procs and cgroup.subtree_control of its root,
    // so the limits there are refused (EPERM) even to a privileged container, as under Docker.
    const script = [
      'if [ -e /sys/fs/cgroup/cgroup.controllers ]; then',
      '  cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max',
      '  probe() { echo $$ > /sys/fs/cgroup/cgroup.procs; }',
      'else',
      '  cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu*/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max',
      '  probe() { cat /sys/fs/cgroup/pids/pids.max > /sys/fs/cgroup/pids/pids.max; }',
      'fi',
      'if (probe) 2>/dev/null; then echo WRITABLE; else echo refused; fi',
    ].join('\n');
    const r = w.run(['run', '--rm', '-m', '64m', '--cpus', '0.5', '--pids-limit', '20', 'busybox', 'sh', '-c', script]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], String(64 * 1024 * 1024));
    assert.match(lines[1]!, /^50000( 100000)?$/);
    assert.equal(lines[2], '20');
    assert.equal(lines[3], 'refused');
    // Control: --privileged shows the same view writable, so the test can tell the difference.
    const p = w.run(['run', '--rm', '--privileged', '--pids-limit', '20', 'busybox', 'sh', '-c', script]);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout.trim().split('\n').at(-1), 'WRITABLE');
  });

  for (const detach of [false, true]) {
    test(`the first process has joined its groups itself before applyCgroups (issue 14)${detach ? ', detached' : ''}`, (t) => {
      const w = worldFor(t, detach ? 'self-join-d' : 'self-join', { image: true });
      // A plugin's applyCgroups tap that runs before the built-in one (stage -100) sees where the
      // first process is: already in the container's groups, joined in its prelude, on every
      // hierarchy mydocker uses. (Before issue 14 the built-in tap moved it there: not yet.)
      const seen = path.join(w.root, 'seen');
      const file = path.join(w.root, 'peek.mjs');
      fs.writeFileSync(
        file,
        `import * as fs from 'node:fs';
export default {
  name: 'peek',
  apply(api) {
    api.hooks.applyCgroups.tap({ name: 'peek', stage: -100 }, (ctx) => fs.writeFileSync(${JSON.stringify(seen)}, fs.readFileSync('/proc/' + ctx.pid + '/cgroup', 'utf8')));
  },
};
`,
      );
      const r = w.run(['run', ...(detach ? ['-d'] : ['--rm']), '--plugin', file, '--net', 'none', 'busybox', 'true']);
      assert.equal(r.status, 0, r.stderr);
      const lines = fs.readFileSync(seen, 'utf8').trim().split('\n');
      // v1 (or hybrid): the hierarchies of the controllers it uses; v2: the unified one.
      const v1 = lines.filter((l) => /^\d+:[^:]*\b(memory|pids|devices|cpuset)\b[^:]*:/.test(l));
      const mine = v1.length > 0 ? v1 : lines.filter((l) => l.startsWith('0::'));
      assert.ok(mine.length > 0, lines.join('\n'));
      for (const line of mine) assert.match(line, new RegExp(`:/${w.cgroupParent}/[0-9a-f]{64}$`), `not in its group before applyCgroups:\n${lines.join('\n')}`);
      if (detach) {
        const id = r.stdout.trim();
        assert.equal(w.run(['rm', '-f', id]).status, 0);
      }
    });
  }

  test('a cgroup file the first process cannot join fails the run with one line, 125, and leaves nothing', (t) => {
    const w = worldFor(t, 'join-fails', { image: true });
    // After the built-in tap made the groups: one more file to join, which does not exist.
    const file = path.join(w.root, 'bad-join.mjs');
    fs.writeFileSync(
      file,
      `export default {
  name: 'bad-join',
  apply(api) {
    api.hooks.createCgroups.tap('bad-join', (ctx) => { ctx.joinFiles.push('/sys/fs/cgroup/no-such-hierarchy/tasks'); });
  },
};
`,
    );
    const r = w.run(['run', '--rm', '--plugin', file, '--net', 'none', 'busybox', 'echo', 'never']);
    assert.equal(r.status, 125, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /joining the container's cgroups failed: cannot join the cgroup of \/sys\/fs\/cgroup\/no-such-hierarchy\/tasks: No such file or directory/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.cgroups(), [], 'the groups it had joined are removed');
    assert.deepEqual(w.mounts(), []);
  });

  test('groups a privileged container made below its own are removed with it', (t) => {
    const w = worldFor(t, 'nested', { image: true });
    // Each hierarchy of its view (v2: /sys/fs/cgroup itself; v1: one directory per hierarchy).
    const script = 'for d in /sys/fs/cgroup /sys/fs/cgroup/*; do [ -e $d/cgroup.procs ] && mkdir -p $d/inner/deeper && echo made; done; true';
    const r = w.run(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', script]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /made/);
    assert.deepEqual(w.cgroups(), [], 'the container\'s groups, and those it made, are removed');
  });

  test('update: a running container\'s limits raised and lowered at once, a refused one changes nothing, a stopped one\'s at its next start; inspect shows them', async (t) => {
    const w = worldFor(t, 'update', { image: true });
    const run = w.run(['run', '-d', '--name', 'grows', '--net', 'none', '-m', '32m', '--cpus', '0.5', '--pids-limit', '20', 'busybox', 'sleep', '1000']);
    assert.equal(run.status, 0, run.stderr);
    const paths = groups(w, 'grows');
    const memory = (): string => control(paths, ['memory', 'memory.limit_in_bytes'], 'memory.max');
    const hostConfig = (name: string): Record<string, unknown> => JSON.parse(w.run(['inspect', name]).stdout)[0].HostConfig;
    // Raised above memory + swap as it stands (64m): on v1 the kernel takes it only with the swap limit raised first.
    const raised = w.run(['update', '-m', '96m', '--pids-limit', '50', 'grows']);
    assert.equal(raised.status, 0, raised.stderr);
    assert.equal(raised.stdout, 'grows\n');
    assert.equal(memory(), String(96 * 1024 * 1024));
    if (!paths.unified && fs.existsSync(path.join(paths.memory!, 'memory.memsw.limit_in_bytes'))) {
      assert.equal(control(paths, ['memory', 'memory.memsw.limit_in_bytes'], ''), String(192 * 1024 * 1024));
    }
    assert.equal(control(paths, ['pids', 'pids.max'], 'pids.max'), '50');
    assert.deepEqual([hostConfig('grows').Memory, hostConfig('grows').NanoCpus, hostConfig('grows').PidsLimit], [96 * 1024 * 1024, 5e8, 50]);
    const lowered = w.run(['update', '-m', '48m', 'grows']);
    assert.equal(lowered.status, 0, lowered.stderr);
    assert.equal(memory(), String(48 * 1024 * 1024));
    // Refused by the cgroups plugin's check: exit 1, one line, the limits and the record as they were.
    const refused = w.run(['update', '-m', '4m', 'grows']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^mydocker: .*the minimum memory limit is 6MB/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.equal(memory(), String(48 * 1024 * 1024));
    assert.equal(hostConfig('grows').Memory, 48 * 1024 * 1024);
    const none = w.run(['update', 'grows']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /you must provide one or more flags/);
    assert.equal(w.run(['update', '-m', '64m', 'no-such-container']).status, 1);
    const events = w.run(['events', '--since', '0', '--until', '0s', '--format', '{{.Action}} {{.Actor.Attributes.name}}']).stdout;
    assert.equal(events.split('\n').filter((e) => e === 'update grows').length, 2);

    // Stopped: recorded, applied by the next start.
    assert.equal(w.run(['stop', '-t', '0', 'grows']).status, 0);
    assert.equal(w.run(['update', '--cpus', '0.25', 'grows']).status, 0);
    assert.equal(w.run(['start', 'grows']).status, 0);
    const again = groups(w, 'grows');
    if (again.unified) assert.equal(control(again, ['cpu', ''], 'cpu.max'), '25000 100000');
    else assert.equal(control(again, ['cpu', 'cpu.cfs_quota_us'], ''), '25000');
    assert.equal(control(again, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(48 * 1024 * 1024));
    assert.equal(w.run(['rm', '-f', 'grows']).status, 0);
    assert.deepEqual(w.cgroups(), []);
  });

  test('update --restart: a created container given on-failure is started again after it fails; refused with --rm', async (t) => {
    const w = worldFor(t, 'update-restart', { image: true });
    // Fails once (exit 3), then stays up: the restart is what brings it back.
    const created = w.run(['create', '--name', 'flaky', '--net', 'none', 'busybox', 'sh', '-c', 'test -e /ran || { touch /ran; exit 3; }; exec sleep 1000']);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(w.run(['update', '--restart', 'on-failure:2', 'flaky']).status, 0);
    assert.deepEqual(JSON.parse(w.run(['inspect', 'flaky']).stdout)[0].HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    assert.equal(w.run(['start', 'flaky']).status, 0);
    await waitFor(() => JSON.parse(w.run(['inspect', 'flaky']).stdout)[0].RestartCount === 1 && w.run(['ps', '--filter', 'name=^/flaky$', '-q']).stdout.trim() !== '', 'flaky to run again after its failure', 60_000);
    assert.equal(w.run(['rm', '-f', 'flaky']).status, 0);
    assert.equal(w.run(['create', '--rm', '--name', 'brief', 'busybox', 'true']).status, 0);
    const refused = w.run(['update', '--restart', 'always', 'brief']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /Restart policy cannot be updated because AutoRemove is enabled for the container/);
    assert.equal(w.run(['rm', 'brief']).status, 0);
  });

  test('a memory hog under -m 32m is OOM-killed: 137, and inspect says so', (t) => {
    const w = worldFor(t, 'oom', { image: true });
    const r = w.run(['run', '--name', 'hog', '-m', '32m', '--memory-swap', '32m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1']);
    assert.equal(r.status, 137, r.stderr);
    const [info] = JSON.parse(w.run(['inspect', 'hog']).stdout);
    assert.equal(info.State.OOMKilled, true);
    assert.equal(info.State.ExitCode, 137);
    assert.deepEqual(w.cgroups(), [], 'the groups are removed when the container ends');
  });

  test('a busy loop under --cpus 0.5 is throttled, as the cgroup\'s own statistics show', async (t) => {
    const w = worldFor(t, 'cpu', { image: true });
    assert.equal(w.run(['run', '-d', '--name', 'spin', '--cpus', '0.5', 'busybox', 'sh', '-c', 'while :; do :; done']).status, 0);
    const paths = groups(w, 'spin');
    const throttled = (): number => {
      const stat = control(paths, ['cpu', 'cpu.stat'], 'cpu.stat');
      return Number(/nr_throttled (\d+)/.exec(stat)?.[1] ?? 0);
    };
    await waitFor(() => throttled() >= 5, 'the CFS quota to throttle the loop');
    // stats reads the same group: about half a CPU (never much more), one process.
    const stats = w.run(['stats', '--no-stream', 'spin']);
    assert.equal(stats.status, 0, stats.stderr);
    const [header, row] = stats.stdout.trim().split('\n');
    assert.match(header!, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+PIDS$/);
    const cells = row!.split(/\s{2,}/);
    assert.equal(cells[1], 'spin');
    assert.ok(Number.parseFloat(cells[2]!) <= 75, `CPU ${cells[2]} under --cpus 0.5`);
    assert.match(cells[3]!, /B \/ unlimited$/);
    assert.equal(cells[5], '1');
    assert.equal(w.run(['rm', '-f', 'spin']).status, 0);
  });

  test('a fork loop stops at --pids-limit', (t) => {
    const w = worldFor(t, 'pids', { image: true });
    // Each `sleep &` is one more process; the shell (PID 1) is one too.
    const r = w.run(['run', '--rm', '--pids-limit', '10', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 30 ]; do i=$((i+1)); sleep 1000 & echo $i; done; echo all']);
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.stdout, /all/);
    const started = Math.max(...r.stdout.trim().split('\n').map(Number));
    assert.ok(started <= 9, `${started} sleeps started`);
    assert.match(r.stderr, /fork/i);
    assert.deepEqual(w.cgroups(), []);
  });

  test('the v2 writer against this host\'s real cgroup2 hierarchy: a group, a member, removal', async (t) => {
    const unified = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l))?.split(' ')[4];
    if (!unified) return t.skip('no cgroup2 filesystem is mounted');
    const { CgroupV2 } = await import('../../plugins/cgroups/v2.js');
    const parent = `mydocker-test-v2-${process.pid}`;
    const driver = new CgroupV2(unified);
    const paths = driver.paths(parent, 'probe');
    t.after(() => {
      for (const dir of [paths.unified!, path.dirname(paths.unified!)]) {
        try {
          fs.rmdirSync(dir); // cgroup directories go with rmdir, control files and all
        } catch {
          // already removed by the test
        }
      }
    });
    const sleeper = (await import('node:child_process')).spawn('sleep', ['60'], { stdio: 'ignore' });
    t.after(() => sleeper.kill('SIGKILL'));
    // Limits need controllers, which a hybrid host keeps in v1: only membership is tried here.
    const controllers = fs.readFileSync(path.join(unified, 'cgroup.controllers'), 'utf8').trim();
    const levels = driver.missingLevels(paths);
    assert.deepEqual(levels, [path.dirname(paths.unified!)], 'the parent is missing: create makes it');
    driver.create(paths, controllers.includes('pids') ? { pidsLimit: 50 } : {});
    driver.addProcess(paths, sleeper.pid!);
    assert.match(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8'), new RegExp(`^0::/${parent}/probe$`, 'm'));
    assert.equal(driver.oomKilled(paths), false);
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => sleeper.on('exit', resolve));
    driver.remove(paths, levels);
    assert.ok(!fs.existsSync(path.dirname(paths.unified!)), 'the group and its parent are gone');
  });

  for (const [flags, message] of [
    [['-m', '10x'], /--memory 10x/],
    [['--cpus', '-1'], /--cpus -1/],
    [['--cpuset-cpus', '99'], /requested 99/],
    [['--pids-limit', 'abc'], /--pids-limit abc/],
    [['--memory-swap', '1g'], /needs --memory/],
  ] as const) {
    test(`invalid ${flags.join(' ')} is refused with 125 before anything is created`, (t) => {
      const w = worldFor(t, 'invalid', { image: true });
      const r = w.run(['run', '--rm', ...flags, 'busybox', 'true']);
      assert.equal(r.status, 125);
      assert.match(r.stderr, message);
      assert.deepEqual(w.containerIds(), []);
      assert.deepEqual(w.cgroups(), []);
      assert.deepEqual(w.mounts(), []);
    });
  }
});
