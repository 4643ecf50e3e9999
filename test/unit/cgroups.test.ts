import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLayout } from '../../plugins/cgroup-layout.js';
import { formatList, parseBytes, parseLimits, parseList, sharesToWeight } from '../../plugins/cgroup-limits.js';
import { CgroupV1 } from '../../plugins/cgroup-v1.js';
import { CgroupV2 } from '../../plugins/cgroup-v2.js';
import { tempDir } from '../support/tmp.js';

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
  ] as const) {
    it(`refuses ${JSON.stringify(options)}`, () => {
      assert.throws(() => parseLimits(options, HOST), message);
    });
  }
});

/** A directory laid out like cgroup v1 hierarchies, with the root files the kernel would have. */
function fakeV1(root: string): Record<string, string> {
  const controllers: Record<string, string> = {};
  for (const c of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids']) {
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
    assert.deepEqual(Object.keys(paths).sort(), ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids']);
    // The kernel gives new groups their control files; the fake needs the memsw one to exist.
    fs.mkdirSync(paths.memory!, { recursive: true });
    fs.writeFileSync(path.join(paths.memory!, 'memory.memsw.limit_in_bytes'), '');
    driver.create(paths, { memory: 32 * 1024 * 1024, cpus: 0.5, cpuShares: 512, cpusetCpus: '0', pidsLimit: 20 });
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

  it('reads OOM kills and statistics', (t) => {
    const root = tempDir(t, 'cgv1-');
    const driver = new CgroupV1(fakeV1(root));
    const paths = driver.paths('mydocker', 'abc');
    driver.create(paths, {});
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
    driver.create(paths, { memory: 100 * 1024 * 1024, memorySwap: 300 * 1024 * 1024, cpus: 1.5, cpuShares: 1024, cpusetCpus: '1', cpusetMems: '0', pidsLimit: -1 });
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
    driver.addProcess(paths, 77);
    assert.equal(read('cgroup.procs'), '77');
    fs.writeFileSync(path.join(paths.unified!, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    assert.equal(driver.oomKilled(paths), true);
    fs.writeFileSync(path.join(paths.unified!, 'cpu.stat'), 'usage_usec 2000\nuser_usec 1500\n');
    fs.writeFileSync(path.join(paths.unified!, 'memory.current'), '8192');
    fs.writeFileSync(path.join(paths.unified!, 'pids.current'), '2');
    assert.deepEqual(driver.stats(paths), { cpuNanos: 2_000_000, memoryBytes: 8192, memoryLimit: 100 * 1024 * 1024, pids: 2 });
  });
});
