// The cgroup v1 driver's device rules against the real devices controller, as root: a group of the
// test's own (/sys/fs/cgroup/devices/mydocker-test-devv1-<random>/confined) gets Docker's default
// list from CgroupV1.create, and a process moved into it can use /dev/null and mknod a block node
// but cannot open the test's loop device or that node. The control, a sibling group created with
// no rules, opens both. Runs in the test process; groups, loop device and processes are removed in
// t.after, pass or fail.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CgroupV1 } from '../../plugins/cgroups/v1.js';
import { deviceRules, formatV1Rule } from '../../plugins/cgroups/device-rules.js';
import { DEFAULT_SECURITY } from '../../src/security/settings.js';
import { attachLoop, CONFINED, cgroupMount, deviceChecks, startProbe, UNCONFINED, type LoopDevice, type Probe } from '../support/device-probe.js';

const devicesMount = cgroupMount('cgroup', 'devices');

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: making cgroups and loop devices';
  if (devicesMount === null) return 'no cgroup v1 devices hierarchy is mounted (a cgroup v2 host: see device-bpf.test.ts)';
  if (spawnSync('losetup', ['--version']).status !== 0) return 'needs losetup (util-linux)';
  return false;
}

test('the v1 devices group of the default rules refuses a loop device and allows /dev/null; without rules both open', { skip: skipReason() }, async (t) => {
  // A driver that knows only the devices hierarchy: nothing is made in any other.
  const driver = new CgroupV1({ devices: devicesMount! });
  const parent = `mydocker-test-devv1-${randomBytes(4).toString('hex')}`;
  const confined = driver.paths(parent, 'confined');
  const control = driver.paths(parent, 'control');
  // The parent, made by the first create: taken back with the groups once empty.
  const levels = driver.missingLevels(confined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-devv1-'));
  const probes: Probe[] = [];
  let loop: LoopDevice | undefined;
  t.after(async () => {
    for (const probe of probes) await probe.kill();
    // remove() takes the group and then the parent once it is empty; both tolerate absence.
    driver.remove(control, levels);
    driver.remove(confined, levels);
    loop?.detach();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  loop = attachLoop(tmp);

  driver.create(confined, {}, deviceRules(DEFAULT_SECURITY));
  driver.create(control, {}, []);
  const list = (paths: Record<string, string>): string[] => fs.readFileSync(path.join(paths.devices!, 'devices.list'), 'utf8').trim().split('\n').sort();
  assert.deepEqual(list(confined), deviceRules(DEFAULT_SECURITY).slice(1).map(formatV1Rule).sort());
  assert.deepEqual(list(control), ['a *:* rwm'], 'a new group inherits its parent\'s (everything)');

  const outcome = async (paths: Record<string, string>, name: string): Promise<Record<string, string>> => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    const probe = startProbe(deviceChecks(), { LOOP: loop!.path, DIR: dir, MAJOR: String(loop!.major), MINOR: String(loop!.minor) });
    probes.push(probe);
    driver.addProcess(paths, probe.pid);
    assert.match(fs.readFileSync(`/proc/${probe.pid}/cgroup`, 'utf8'), new RegExp(`:devices:/${parent}/${name}$`, 'm'));
    return probe.run();
  };
  assert.deepEqual(await outcome(control, 'control'), UNCONFINED, 'without rules everything opens: the test sees the difference');
  assert.deepEqual(await outcome(confined, 'confined'), CONFINED);
});
