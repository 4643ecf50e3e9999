// The cgroup v2 device program against the real kernel, as root: attached to a group of the test's
// own in the cgroup2 hierarchy (/sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid
// one, where every task also has a group), it lets a process in the group use /dev/null and mknod
// a block node, and refuses it the test's loop device and the node it made. A second group without
// the program is the control: the same process can open both there. Runs in the test process;
// every group, loop device and process it makes is removed in t.after, pass or fail.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attachDeviceProgram } from '../../plugins/cgroups/device-bpf.js';
import { removeGroup } from '../../plugins/cgroups/cgroupfs.js';
import { libcKernel } from '../../src/kernel/libc.js';
import { deviceRules } from '../../plugins/cgroups/device-rules.js';
import { DEFAULT_SECURITY } from '../../src/security/settings.js';
import { attachLoop, CONFINED, cgroupMount, deviceChecks, startProbe, UNCONFINED, type LoopDevice, type Probe } from '../support/device-probe.js';

const unified = cgroupMount('cgroup2');

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: loading a BPF program, making cgroups and loop devices';
  if (unified === null) return 'no cgroup2 hierarchy is mounted (neither /sys/fs/cgroup nor /sys/fs/cgroup/unified)';
  if (spawnSync('losetup', ['--version']).status !== 0) return 'needs losetup (util-linux)';
  return false;
}

test('the device program of the default rules refuses a loop device and allows /dev/null; without it both open', { skip: skipReason() }, async (t) => {
  const parent = path.join(unified!, `mydocker-test-devbpf-${randomBytes(4).toString('hex')}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-devbpf-'));
  const probes: Probe[] = [];
  const groups: string[] = [];
  let loop: LoopDevice | undefined;
  t.after(async () => {
    // Processes first (a group with members cannot go), then the groups, innermost first.
    for (const probe of probes) await probe.kill();
    for (const group of groups.reverse()) removeGroup(group);
    loop?.detach();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  loop = attachLoop(tmp);

  const makeGroup = (dir: string): string => {
    fs.mkdirSync(dir);
    groups.push(dir);
    return dir;
  };
  makeGroup(parent);
  const confined = makeGroup(path.join(parent, 'confined'));
  const control = makeGroup(path.join(parent, 'control'));
  attachDeviceProgram(libcKernel(), confined, deviceRules(DEFAULT_SECURITY));

  const outcome = async (group: string, name: string): Promise<Record<string, string>> => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    const probe = startProbe(deviceChecks(), { LOOP: loop!.path, DIR: dir, MAJOR: String(loop!.major), MINOR: String(loop!.minor) });
    probes.push(probe);
    // Moved in while it waits on stdin: it opens nothing before it is in the group.
    fs.writeFileSync(path.join(group, 'cgroup.procs'), String(probe.pid));
    assert.match(fs.readFileSync(`/proc/${probe.pid}/cgroup`, 'utf8'), new RegExp(`^0::/${path.relative(unified!, group)}$`, 'm'));
    return probe.run();
  };
  assert.deepEqual(await outcome(control, 'control'), UNCONFINED, 'without the program everything opens: the test sees the difference');
  assert.deepEqual(await outcome(confined, 'confined'), CONFINED);
});
