import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout } from '../../plugins/cgroups/layout.js';
import { formatList, parseBytes, parseLimits, parseList, sharesToWeight } from '../../plugins/cgroups/limits.js';
import { CgroupV1 } from '../../plugins/cgroups/v1.js';
import { CgroupV2 } from '../../plugins/cgroups/v2.js';
import { deviceProgram, encodeProgram } from '../../plugins/cgroups/device-bpf-program.js';
import { deviceRules, formatV1Rule } from '../../plugins/cgroups/device-rules.js';
import { DEFAULT_SECURITY } from '../../src/security/settings.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';
import { CLONE, MS } from '../../hooks/index.js';
import { removeGroup } from '../../plugins/cgroups/cgroupfs.js';
import { containerPaths } from '../../plugins/cgroups/index.js';

const HOST = { cpus: [0, 1], mems: [0] };

const mountLine = (id: number, mountPoint: string, fstype: string, superOptions: string): string =>
  `${id} 1 0:${id} / ${mountPoint} rw,relatime - ${fstype} ${fstype} ${superOptions}`;

describe('cgroup layout', () => {
  it('detects v2, v1 and hybrid hosts from the mount table', () => {
    assert.deepEqual(detectLayout(mountLine(30, '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate')), { kind: 'v2', root: '/sys/fs/cgroup' });
    const v1 = [mountLine(31, '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'), mountLine(32, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory')].join('\n');
    assert.deepEqual(detectLayout(v1), { kind: 'v1', controllers: { cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory' } });
    const hybrid = [v1, mountLine(33, '/sys/fs/cgroup/unified', 'cgroup2', 'rw'), mountLine(34, '/sys/fs/cgroup/systemd', 'cgroup', 'rw,name=systemd')].join('\n');
    const layout = detectLayout(hybrid);
    assert.ok(layout.kind === 'hybrid' && !('name=systemd' in layout.controllers));
    assert.throws(() => detectLayout(mountLine(1, '/', 'ext4', 'rw')), /no cgroup filesystem/);
  });
});

describe('cgroup limits', () => {
  it('parses Docker\'s units and lists', () => {
    assert.equal(parseBytes('100m', '-m'), 100 * 1024 * 1024);
    assert.equal(parseBytes('1G', '-m'), 1024 ** 3);
    assert.equal(parseBytes('512kb', '-m'), 512 * 1024);
    assert.equal(parseBytes('4096', '-m'), 4096);
    assert.throws(() => parseBytes('10x', '-m'), /10x/);
    assert.deepEqual(parseList('0-2,5'), [0, 1, 2, 5]);
    assert.equal(parseList('2-1'), null);
    assert.equal(parseList('a'), null);
    assert.equal(formatList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  });

  it('maps CPU shares to weights as runc and crun do', () => {
    assert.equal(sharesToWeight(1024), 100);
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(262144), 10000);
    assert.equal(sharesToWeight(512), 59);
  });

  it('accepts valid limits', () => {
    assert.deepEqual(
      parseLimits({ memory: '100m', memorySwap: '-1', cpus: '0.5', cpuShares: '512', cpusetCpus: '0-1', cpusetMems: '0', pidsLimit: '0' }, HOST),
      { memory: 100 * 1024 * 1024, memorySwap: -1, cpus: 0.5, cpuShares: 512, cpusetCpus: '0-1', cpusetMems: '0', pidsLimit: -1 },
    );
    assert.deepEqual(parseLimits({}, HOST), {});
  });

  it("accepts an OCI config's finer limits, kept as given", () => {
    assert.deepEqual(
      parseLimits(
        { cpuPeriod: '500000', cpuQuota: '-1', cpuRtPeriod: '1000000', cpuRtRuntime: '950000', memoryReservation: '50593792', kernelMemory: '-1', kernelMemoryTcp: '50593792', memorySwappiness: '0', oomKillDisable: 'true' },
        HOST,
      ),
      { cpuPeriod: 500000, cpuQuota: -1, cpuRtPeriod: 1000000, cpuRtRuntime: 950000, memoryReservation: 50593792, kernelMemory: -1, kernelMemoryTcp: 50593792, memorySwappiness: 0, oomKillDisable: true },
    );
  });

  for (const [options, message] of [
    [{ memory: '10x' }, /--memory 10x/],
    [{ memory: '1m' }, /minimum memory limit is 6MB/],
    [{ memorySwap: '1g' }, /needs --memory/],
    [{ memory: '100m', memorySwap: '50m' }, /smaller than --memory/],
    [{ cpus: '-1' }, /--cpus -1: the range is 0.01 to 2.00/],
    [{ cpus: '3' }, /only|has 2 CPUs/],
    [{ cpus: 'abc' }, /--cpus abc/],
    [{ cpuShares: '1' }, /--cpu-shares 1/],
    [{ cpusetCpus: '99' }, /requested 99, available: 0-1/],
    [{ cpusetCpus: '0-' }, /expected a list/],
    [{ cpusetMems: '1' }, /requested 1, available: 0/],
    [{ pidsLimit: 'abc' }, /--pids-limit abc/],
    [{ pidsLimit: '-5' }, /--pids-limit -5/],
    [{ cpuPeriod: '999' }, /--cpu-period 999: a whole number from 1000 to 1000000/],
    [{ cpuQuota: '500' }, /--cpu-quota 500: at least 1000 microseconds/],
    [{ cpus: '0.5', cpuQuota: '50000' }, /--cpus and --cpu-quota cannot both be given/],
    [{ memorySwappiness: '101' }, /--memory-swappiness 101: a whole number from 0 to 100/],
    [{ oomKillDisable: 'yes' }, /--oom-kill-disable yes: true or false/],
    [{ kernelMemoryTcp: 'lots' }, /--kernel-memory-tcp lots: expected a size/],
  ] as const) {
    it(`refuses ${JSON.stringify(options)}`, () => {
      assert.throws(() => parseLimits(options, HOST), message);
    });
  }
});

/** A directory laid out like cgroup v1 hierarchies, with the root files the kernel would have. */
function fakeV1(root: string): Record<string, string> {
  const controllers: Record<string, string> = {};
  for (const c of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices']) {
    controllers[c] = path.join(root, c);
    fs.mkdirSync(controllers[c]!, { recursive: true });
  }
  fs.writeFileSync(path.join(root, 'cpuset/cpuset.cpus'), '0-1');
  fs.writeFileSync(path.join(root, 'cpuset/cpuset.mems'), '0');
  fs.writeFileSync(path.join(root, 'cpu/cpu.shares'), '1024');
  fs.writeFileSync(path.join(root, 'memory/memory.memsw.limit_in_bytes'), '');
  return controllers;
}

describe('cgroup v1 writer', () => {
  it('makes a group per controller below the parent and writes every limit', (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    const paths = driver.paths('mydocker', 'abc');
    assert.deepEqual(Object.keys(paths).sort(), ['cpu', 'cpuacct', 'cpuset', 'devices', 'memory', 'pids']);
    // The kernel gives new groups their control files; the fake needs the memsw one to exist.
    fs.mkdirSync(paths.memory!, { recursive: true });
    fs.writeFileSync(path.join(paths.memory!, 'memory.memsw.limit_in_bytes'), '');
    driver.create(paths, { memory: 32 * 1024 * 1024, cpus: 0.5, cpuShares: 512, cpusetCpus: '0', pidsLimit: 20 }, []);
    const read = (controller: string, file: string): string => fs.readFileSync(path.join(paths[controller]!, file), 'utf8');
    assert.equal(read('memory', 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
    assert.equal(read('memory', 'memory.memsw.limit_in_bytes'), String(64 * 1024 * 1024), 'Docker\'s default: swap as large as memory');
    assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(read('cpu', 'cpu.cfs_period_us'), '100000');
    assert.equal(read('cpu', 'cpu.shares'), '512');
    assert.equal(read('pids', 'pids.max'), '20');
    assert.equal(read('cpuset', 'cpuset.cpus'), '0');
    // cpuset needs cpus and mems copied down at every level, or nothing could join.
    assert.equal(fs.readFileSync(path.join(root, 'cpuset/mydocker/cpuset.cpus'), 'utf8'), '0-1');
    assert.equal(fs.readFileSync(path.join(root, 'cpuset/mydocker/cpuset.mems'), 'utf8'), '0');
    assert.equal(read('cpuset', 'cpuset.mems'), '0');

    driver.addProcess(paths, 4242);
    for (const dir of Object.values(paths)) assert.equal(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8'), '4242');
    assert.deepEqual(driver.procsFiles(paths), Object.values(paths).map((d) => path.join(d, 'cgroup.procs')));
  });

  it("writes an OCI config's period and quota as given, the real-time budget and the memory fields", (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    const paths = driver.paths('', 'cgrouptest');
    fs.mkdirSync(paths.memory!, { recursive: true });
    // The kernel's files of a new memory group; kmem.limit_in_bytes is left out (a kernel without it).
    for (const file of ['memory.memsw.limit_in_bytes', 'memory.kmem.tcp.limit_in_bytes']) fs.writeFileSync(path.join(paths.memory!, file), '');
    driver.create(
      paths,
      { memory: 50593792, memorySwap: 50593792, memoryReservation: 50593792, kernelMemory: 50593792, kernelMemoryTcp: 50593792, memorySwappiness: 10, oomKillDisable: true, cpuShares: 1024, cpuPeriod: 500000, cpuQuota: 50000, cpuRtPeriod: 1000000, cpuRtRuntime: 950000 },
      [],
    );
    const read = (controller: string, file: string): string => fs.readFileSync(path.join(paths[controller]!, file), 'utf8');
    assert.equal(read('cpu', 'cpu.cfs_period_us'), '500000', 'not turned into a fraction of the default period');
    assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(read('cpu', 'cpu.rt_period_us'), '1000000');
    assert.equal(read('cpu', 'cpu.rt_runtime_us'), '950000');
    assert.equal(read('memory', 'memory.memsw.limit_in_bytes'), '50593792');
    assert.equal(read('memory', 'memory.soft_limit_in_bytes'), '50593792');
    assert.equal(read('memory', 'memory.kmem.tcp.limit_in_bytes'), '50593792');
    assert.equal(read('memory', 'memory.swappiness'), '10');
    assert.equal(read('memory', 'memory.oom_control'), '1');
    assert.ok(!fs.existsSync(path.join(paths.memory!, 'memory.kmem.limit_in_bytes')), 'no kernel memory file: nothing to set');
    assert.equal(paths.memory, path.join(root, 'memory', 'cgrouptest'), 'an absolute cgroupsPath is under the hierarchy\'s root');
  });

  it('copies cpuset down at every level a relative cgroupsPath makes, or nothing could join the group', (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    const paths = containerPaths(driver, 'mydocker', { id: 'x', options: { cgroupsPath: 'testdir/cgrouptest/container' } } as never);
    assert.equal(paths.cpuset, path.join(root, 'cpuset/mydocker/testdir/cgrouptest/container'));
    driver.create(paths, { cpusetCpus: '0-1', cpusetMems: '0' }, []);
    for (const level of ['mydocker', 'mydocker/testdir', 'mydocker/testdir/cgrouptest', 'mydocker/testdir/cgrouptest/container']) {
      assert.equal(fs.readFileSync(path.join(root, 'cpuset', level, 'cpuset.cpus'), 'utf8'), '0-1', level);
      assert.equal(fs.readFileSync(path.join(root, 'cpuset', level, 'cpuset.mems'), 'utf8'), '0', level);
    }
  });

  it('has the first process join by each group\'s tasks file; moves it only where a group lacks it', (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    const paths = driver.paths('mydocker', 'abc');
    // tasks, not cgroup.procs: "0" there moves the writer's own thread without the process-wide lock.
    assert.deepEqual(driver.joinFiles(paths), Object.values(paths).map((d) => path.join(d, 'tasks')));
    for (const dir of Object.values(paths)) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), '4242\n');
    }
    // The join failed to happen in one group (a launch that ignored the join files): moved there.
    fs.writeFileSync(path.join(paths.memory!, 'cgroup.procs'), '');
    fs.writeFileSync(path.join(paths.pids!, 'cgroup.procs'), '14242\n42\n');
    driver.addProcess(paths, 4242, { unlessMember: true });
    for (const [controller, dir] of Object.entries(paths)) {
      const moved = controller === 'memory' || controller === 'pids';
      assert.equal(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8'), moved ? '4242' : '4242\n', controller);
    }
  });

  it('reads OOM kills and statistics', (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    const paths = driver.paths('mydocker', 'abc');
    driver.create(paths, {}, []);
    fs.writeFileSync(path.join(paths.memory!, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    assert.equal(driver.oomKilled(paths), false);
    fs.writeFileSync(path.join(paths.memory!, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    assert.equal(driver.oomKilled(paths), true);
    fs.writeFileSync(path.join(paths.cpuacct!, 'cpuacct.usage'), '123456789');
    fs.writeFileSync(path.join(paths.memory!, 'memory.usage_in_bytes'), '4096');
    fs.writeFileSync(path.join(paths.memory!, 'memory.limit_in_bytes'), '9223372036854771712');
    fs.writeFileSync(path.join(paths.pids!, 'pids.current'), '3');
    assert.deepEqual(driver.stats(paths), { cpuNanos: 123456789, memoryBytes: 4096, memoryLimit: null, pids: 3 });
  });

  it('denies every device, then allows each of the rules, one line per write; privileged: allows all', (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    for (const [id, security, denied, allowed] of [
      ['plain', DEFAULT_SECURITY, ['a *:* rwm'], deviceRules(DEFAULT_SECURITY).slice(1).map(formatV1Rule)],
      ['privileged', { ...DEFAULT_SECURITY, privileged: true }, [], ['a *:* rwm']],
    ] as const) {
      const paths = driver.paths('mydocker', id);
      // Each write to a real devices.allow is one rule: stand in with FIFOs that keep every write,
      // held open (read and write) here so that the driver's opens never block nor see EOF.
      fs.mkdirSync(paths.devices!, { recursive: true });
      const fds = ['devices.deny', 'devices.allow'].map((file) => {
        const fifo = path.join(paths.devices!, file);
        assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
        const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
        t.after(() => fs.closeSync(fd));
        return fd;
      });
      driver.create(paths, {}, deviceRules(security));
      const written = fds.map((fd) => {
        const buf = Buffer.alloc(1 << 16);
        try {
          return buf.toString('utf8', 0, fs.readSync(fd, buf));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return '';
          throw error;
        }
      });
      assert.deepEqual(written, [denied.join(''), allowed.join('')], id);
      assert.ok(driver.procsFiles(paths).includes(path.join(paths.devices!, 'cgroup.procs')), 'exec joins the devices group too');
    }
  });

  it('finds the devices group when devices is co-mounted with another controller', (t) => {
    const root = tempDir(t, 'cgv1-');
    const mount = path.join(root, 'pids,devices');
    fs.mkdirSync(mount);
    const driver = new CgroupV1({ pids: mount, devices: mount });
    const paths = driver.paths('mydocker', 'abc');
    assert.deepEqual(paths, { pids: path.join(mount, 'mydocker', 'abc') });
    driver.create(paths, {}, [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
    assert.equal(fs.readFileSync(path.join(paths.pids!, 'devices.allow'), 'utf8'), 'c 1:3 rwm');
  });
});

describe('removing a group', () => {
  it('takes back the levels above its groups that its create made, deepest first and once empty, never one that was there before', (t) => {
    // Empty directories stand in for groups (no limits, no cpuset: nothing is written in them).
    const root = tempDir(t, 'cglevels-');
    const controllers = { memory: path.join(root, 'memory'), pids: path.join(root, 'pids') };
    for (const dir of Object.values(controllers)) fs.mkdirSync(dir);
    fs.mkdirSync(path.join(root, 'memory', 'kept')); // someone else's, there before
    const driver = new CgroupV1(controllers);
    const a = driver.paths('kept/x/y', 'a');
    const levels = driver.missingLevels(a);
    const under = (...parts: string[]) => path.join(root, ...parts);
    assert.deepEqual([...levels].sort(), [under('memory/kept/x'), under('memory/kept/x/y'), under('pids/kept'), under('pids/kept/x'), under('pids/kept/x/y')]);
    driver.create(a, {}, []);
    // Another container's group, made later in one of those levels: nothing of it is a's to remove.
    const b = driver.paths('kept/x', 'b');
    assert.deepEqual(driver.missingLevels(b), []);
    driver.create(b, {}, []);

    driver.remove(a, levels);
    assert.ok(!fs.existsSync(a.memory!) && !fs.existsSync(under('memory/kept/x/y')) && !fs.existsSync(under('pids/kept/x/y')), 'a\'s groups and its empty levels are gone');
    assert.ok(fs.existsSync(b.memory!) && fs.existsSync(b.pids!), 'the level holding b stays');
    driver.remove(b);
    assert.ok(!fs.existsSync(b.memory!));
    assert.ok(fs.existsSync(under('memory/kept/x')), 'b made no level: the one a made and could not remove is left (runc leaves them all)');
    // Once empty, the next removal with a's levels takes it (idempotent for the rest); "kept" stays.
    driver.remove(a, levels);
    assert.deepEqual(fs.readdirSync(under('memory')), ['kept']);
    assert.deepEqual(fs.readdirSync(under('memory/kept')), []);
    assert.deepEqual(fs.readdirSync(under('pids')), [], 'pids/kept was made by a');
  });

  it('tells of a level it made that was there when the levels were counted (removed meanwhile by another container)', (t) => {
    const root = tempDir(t, 'cglevels-');
    const driver = new CgroupV1({ pids: path.join(root, 'pids') });
    const paths = driver.paths('parent', 'c');
    fs.mkdirSync(path.join(root, 'pids', 'parent'), { recursive: true });
    assert.deepEqual(driver.missingLevels(paths), []);
    fs.rmdirSync(path.join(root, 'pids', 'parent')); // the last container in it went
    const made: string[] = [];
    let groups = 0;
    driver.create(paths, {}, [], { levelMade: (dir) => made.push(dir), groupMade: () => groups++ });
    assert.deepEqual(made, [path.join(root, 'pids', 'parent')]);
    assert.equal(groups, 1);
  });

  it('v2: counts the missing levels and makes them level by level', (t) => {
    const root = tempDir(t, 'cgv2levels-');
    const driver = new CgroupV2(root);
    const paths = driver.paths('a/b', 'c');
    assert.deepEqual(driver.missingLevels(paths), [path.join(root, 'a'), path.join(root, 'a/b')]);
    const made: string[] = [];
    fs.mkdirSync(path.join(root, 'a')); // made by another meanwhile: not told
    driver.create(paths, {}, [], { levelMade: (dir) => made.push(dir) });
    assert.deepEqual(made, [path.join(root, 'a/b')]);
    driver.remove(paths, [path.join(root, 'a/b'), ...made]);
    assert.deepEqual(fs.readdirSync(root).filter((e) => fs.statSync(path.join(root, e)).isDirectory()), ['a'], 'a was there before: it stays');
  });

  it('removes the groups made below it first, deepest first (a privileged container may make some)', (t) => {
    // Empty directories stand in for groups: on a cgroup filesystem rmdir ignores control files.
    const group = path.join(tempDir(t, 'cgrm-'), 'parent', 'container');
    fs.mkdirSync(path.join(group, 'inner', 'deeper'), { recursive: true });
    fs.mkdirSync(path.join(group, 'other'));
    removeGroup(group);
    assert.ok(!fs.existsSync(group));
    assert.ok(fs.existsSync(path.dirname(group)), 'the parent is not its to remove');
    removeGroup(group); // idempotent
  });
});

describe('cgroup v2 writer', () => {
  it('enables the controllers down to the parent, makes the group and writes every limit', (t) => {
    const root = tempDir(t, 'cgv2-');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc');
    fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), 'memory');
    const driver = new CgroupV2(root);
    const paths = driver.paths('mydocker', 'abc');
    assert.deepEqual(paths, { unified: path.join(root, 'mydocker', 'abc') });
    // What the kernel would show in the new parent once the root enabled its controllers.
    fs.mkdirSync(path.join(root, 'mydocker'));
    fs.writeFileSync(path.join(root, 'mydocker', 'cgroup.controllers'), 'cpuset cpu memory pids');
    fs.mkdirSync(paths.unified!);
    fs.writeFileSync(path.join(paths.unified!, 'memory.swap.max'), 'max');
    driver.create(paths, { memory: 100 * 1024 * 1024, memorySwap: 300 * 1024 * 1024, cpus: 1.5, cpuShares: 1024, cpusetCpus: '1', cpusetMems: '0', pidsLimit: -1 }, []);
    assert.equal(fs.readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8'), '+cpu +cpuset +pids');
    assert.equal(fs.readFileSync(path.join(root, 'mydocker', 'cgroup.subtree_control'), 'utf8'), '+cpu +cpuset +memory +pids');
    const read = (file: string): string => fs.readFileSync(path.join(paths.unified!, file), 'utf8');
    assert.equal(read('memory.max'), String(100 * 1024 * 1024));
    assert.equal(read('memory.swap.max'), String(200 * 1024 * 1024), 'v2 counts swap alone');
    assert.equal(read('cpu.max'), '150000 100000');
    assert.equal(read('cpu.weight'), '100');
    assert.equal(read('cpuset.cpus'), '1');
    assert.equal(read('cpuset.mems'), '0');
    assert.equal(read('pids.max'), 'max');
    assert.deepEqual(driver.joinFiles(paths), [path.join(paths.unified!, 'cgroup.procs')], 'v2 moves no lone thread across domains');
    driver.addProcess(paths, 77, { unlessMember: true });
    assert.equal(read('cgroup.procs'), '77');
    fs.writeFileSync(path.join(paths.unified!, 'cgroup.procs'), '77\n');
    driver.addProcess(paths, 77, { unlessMember: true });
    assert.equal(read('cgroup.procs'), '77\n', 'a member is not moved again');
    fs.writeFileSync(path.join(paths.unified!, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    assert.equal(driver.oomKilled(paths), true);
    fs.writeFileSync(path.join(paths.unified!, 'cpu.stat'), 'usage_usec 2000\nuser_usec 1500\n');
    fs.writeFileSync(path.join(paths.unified!, 'memory.current'), '8192');
    fs.writeFileSync(path.join(paths.unified!, 'pids.current'), '2');
    assert.deepEqual(driver.stats(paths), { cpuNanos: 2_000_000, memoryBytes: 8192, memoryLimit: 100 * 1024 * 1024, pids: 2 });
  });
});

describe('cgroup v2 writer: OCI limits', () => {
  const v2 = (t: Parameters<typeof tempDir>[0]) => {
    const root = tempDir(t, 'cgv2-');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu memory pids');
    const driver = new CgroupV2(root);
    const paths = driver.paths('mydocker', 'abc');
    fs.mkdirSync(paths.unified!, { recursive: true });
    return { driver, paths, read: (file: string) => fs.readFileSync(path.join(paths.unified!, file), 'utf8') };
  };

  it('writes the period and quota as given into cpu.max, and the reservation as memory.low', (t) => {
    const { driver, paths, read } = v2(t);
    driver.create(paths, { cpuPeriod: 500000, cpuQuota: 50000, memoryReservation: 50593792 }, []);
    assert.equal(read('cpu.max'), '50000 500000');
    assert.equal(read('memory.low'), '50593792');
    driver.create(paths, { cpuPeriod: 200000 }, []);
    assert.equal(read('cpu.max'), '50000 200000', 'a period alone keeps the quota in place');
    driver.create(paths, { cpuQuota: -1 }, []);
    assert.equal(read('cpu.max'), 'max 100000');
  });

  it('refuses by name what only v1 has, before making anything; the deprecated kernel memory limit is let go', (t) => {
    const { driver, paths } = v2(t);
    for (const [limits, message] of [
      [{ kernelMemoryTcp: 1 << 20 }, /cgroup v2 cannot set a kernel TCP memory limit \(memory\.kernelTCP\)/],
      [{ memorySwappiness: 10 }, /memory swappiness/],
      [{ oomKillDisable: true }, /disabling the OOM killer/],
      [{ cpuRtPeriod: 1000000 }, /real-time CPU period/],
      [{ cpuRtRuntime: 950000 }, /real-time CPU runtime/],
    ] as const) {
      const fresh = driver.paths('mydocker', `refused-${Object.keys(limits)[0]}`);
      assert.throws(() => driver.create(fresh, limits, []), message);
      assert.ok(!fs.existsSync(fresh.unified!), 'nothing made');
    }
    assert.doesNotThrow(() => driver.create(paths, { kernelMemory: 1 << 20 }, []));
  });
});

describe('cgroup v2 device program', () => {
  it('is loaded as a cgroup device program and attached to the new group with BPF_F_ALLOW_MULTI', (t) => {
    const root = tempDir(t, 'cgv2-');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), '');
    const kernel = new FakeKernel();
    const driver = new CgroupV2(root, kernel);
    const paths = driver.paths('mydocker', 'abc');
    const rules = deviceRules(DEFAULT_SECURITY);
    driver.create(paths, {}, rules);
    const [load, attach] = kernel.callsOf('bpf').map((c) => c.args as [number, Buffer, Array<{ offset: number; data: Buffer }>]);
    assert.equal(kernel.callsOf('bpf').length, 2);
    const [loadCmd, loadAttr, pointers] = load!;
    assert.equal(loadCmd, 5, 'BPF_PROG_LOAD');
    assert.equal(loadAttr.readUInt32LE(0), 15, 'BPF_PROG_TYPE_CGROUP_DEVICE');
    assert.equal(loadAttr.readUInt32LE(4), deviceProgram(rules).length, 'insn_cnt');
    assert.equal(loadAttr.toString('latin1', 48, 60), 'mydocker_dev');
    assert.deepEqual(pointers.map((p) => p.offset), [8, 16], 'insns, license');
    assert.deepEqual(pointers[0]!.data, encodeProgram(deviceProgram(rules)));
    assert.equal(pointers[1]!.data.toString('latin1'), 'Apache\0');
    const [attachCmd, attachAttr] = attach!;
    assert.equal(attachCmd, 8, 'BPF_PROG_ATTACH');
    assert.ok(attachAttr.readUInt32LE(0) > 2 && attachAttr.readUInt32LE(4) > 2, 'target_fd and attach_bpf_fd');
    assert.equal(attachAttr.readUInt32LE(8), 6, 'BPF_CGROUP_DEVICE');
    assert.equal(attachAttr.readUInt32LE(12), 2, 'BPF_F_ALLOW_MULTI');
    // Both descriptors were closed: the group's and the program's.
    for (const fd of [attachAttr.readUInt32LE(0), attachAttr.readUInt32LE(4)]) assert.throws(() => fs.fstatSync(fd), /EBADF/);
  });

  it('attaches nothing for an empty rule list, and refuses rules without a kernel to attach them with', (t) => {
    const root = tempDir(t, 'cgv2-');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), '');
    const kernel = new FakeKernel();
    new CgroupV2(root, kernel).create({ unified: path.join(root, 'mydocker', 'a') }, {}, []);
    assert.deepEqual(kernel.callsOf('bpf'), []);
    assert.throws(() => new CgroupV2(root).create({ unified: path.join(root, 'mydocker', 'b') }, {}, deviceRules(DEFAULT_SECURITY)), /without a kernel/);
  });
});

describe('the container\'s view of its own groups', () => {
  const RO = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC;
  it('v1: a cgroup namespace, a tmpfs, one mount per hierarchy (co-mounted controllers together), then read-only', () => {
    const driver = new CgroupV1({ memory: '/sys/fs/cgroup/memory', cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', pids: '/sys/fs/cgroup/pids' });
    const steps = driver.views(driver.paths('mydocker', 'abc'), false);
    assert.deepEqual(steps[0], { op: 'unshare', flags: CLONE.NEWCGROUP });
    assert.deepEqual(steps.filter((s) => s.op === 'mount' && s.fstype === 'cgroup').map((s) => s.op === 'mount' && [s.target, s.data, s.flags]), [
      ['/sys/fs/cgroup/memory', 'memory', RO],
      ['/sys/fs/cgroup/cpu,cpuacct', 'cpu,cpuacct', RO],
      ['/sys/fs/cgroup/pids', 'pids', RO],
    ]);
    const last = steps.at(-1)!;
    assert.ok(last.op === 'mount' && last.target === '/sys/fs/cgroup' && (last.flags & MS.REMOUNT) !== 0 && (last.flags & MS.RDONLY) !== 0);
    const writable = driver.views(driver.paths('mydocker', 'abc'), true);
    assert.ok(writable.every((s) => s.op !== 'mount' || (s.flags & MS.RDONLY) === 0), '--privileged: writable');
  });

  it('v2: a cgroup namespace, then a read-only cgroup2 mount rooted at the container\'s group', () => {
    const driver = new CgroupV2('/sys/fs/cgroup');
    assert.deepEqual(driver.views(driver.paths('mydocker', 'abc'), false), [
      { op: 'unshare', flags: CLONE.NEWCGROUP },
      { op: 'mount', source: 'cgroup2', target: '/sys/fs/cgroup', fstype: 'cgroup2', flags: RO, data: null },
    ]);
  });
});

describe("an OCI container's groups (mydocker-runc)", () => {
  const driver = new CgroupV1({ memory: '/cg/memory', pids: '/cg/pids' });
  const container = (options: Record<string, string>) => ({ id: 'abc', options }) as unknown as Parameters<typeof containerPaths>[2];

  it('at its cgroupsPath: absolute from each hierarchy\'s root, or relative to mydocker\'s parent; else <parent>/<id>', () => {
    assert.deepEqual(containerPaths(driver, 'mydocker', container({ cgroupsPath: '/default/web' })), { memory: '/cg/memory/default/web', pids: '/cg/pids/default/web' });
    assert.deepEqual(containerPaths(driver, 'mydocker', container({ cgroupsPath: 'pods/web/' })), { memory: '/cg/memory/mydocker/pods/web', pids: '/cg/pids/mydocker/pods/web' });
    assert.deepEqual(containerPaths(driver, 'mydocker', container({})), { memory: '/cg/memory/mydocker/abc', pids: '/cg/pids/mydocker/abc' });
  });
});
