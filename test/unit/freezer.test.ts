// The freezer (`pause`/`unpause`, `mydocker-runc pause`/`resume`) on fake cgroup directories: which
// file each cgroup version is driven by, when a freeze counts as done, and that a freeze that never
// completes is undone. (The kernel's side runs in the integration tests: v1 here, v2 in the v2 lab.)
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cgroupPathsIn, freezeGroup, freezerIn, isGroupFrozen, thawGroup } from '../../src/container/freezer.js';
import { isPaused } from '../../src/container/status.js';
import { processStartTime } from '../../src/container/proc-stat.js';
import { thawsForSignal } from '../../src/runtime/stop.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8');

describe('freezer', () => {
  it('finds the group: v2 the unified one, v1 the freezer hierarchy\'s; none without either', () => {
    assert.deepEqual(freezerIn({ unified: '/sys/fs/cgroup/mydocker/x' }), { version: 2, dir: '/sys/fs/cgroup/mydocker/x' });
    assert.deepEqual(freezerIn({ memory: '/m/x', freezer: '/f/x' }), { version: 1, dir: '/f/x' });
    assert.equal(freezerIn({ memory: '/m/x' }), undefined);
    assert.equal(freezerIn(undefined), undefined);
    assert.deepEqual(cgroupPathsIn({ 'mydocker:cgroups': { layout: 'v1', paths: { freezer: '/f/x' } } }), { freezer: '/f/x' });
    assert.equal(cgroupPathsIn({}), undefined);
  });

  it('v1: writes FROZEN and THAWED to freezer.state; FREEZING counts as paused', async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED\n');
    const group = { version: 1 as const, dir };
    assert.equal(isGroupFrozen(group), false);
    await freezeGroup(group);
    assert.equal(read(dir, 'freezer.state'), 'FROZEN');
    assert.equal(isGroupFrozen(group), true);
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'FREEZING\n');
    assert.equal(isGroupFrozen(group), true);
    thawGroup(group);
    assert.equal(read(dir, 'freezer.state'), 'THAWED');
    assert.equal(isGroupFrozen(group), false);
  });

  it('v1: moves the pids it is given into the group first (a freezer group made after they started)', async (t) => {
    const dir = tempDir(t);
    const group = { version: 1 as const, dir };
    await freezeGroup(group, [41, 42]);
    // A plain file keeps only the last write; the kernel's cgroup.procs takes one pid per write.
    assert.equal(read(dir, 'cgroup.procs'), '42');
  });

  it('v2: writes cgroup.freeze, and is frozen once cgroup.events says so', async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    const group = { version: 2 as const, dir };
    await freezeGroup(group);
    assert.equal(read(dir, 'cgroup.freeze'), '1');
    assert.equal(isGroupFrozen(group), true);
    thawGroup(group);
    assert.equal(read(dir, 'cgroup.freeze'), '0');
    fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    assert.equal(isGroupFrozen(group), false);
  });

  it('a freeze that never completes is undone and reported', async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    const group = { version: 2 as const, dir };
    await assert.rejects(freezeGroup(group), /did not all stop/);
    assert.equal(read(dir, 'cgroup.freeze'), '0', 'thawed again');
  });

  it('a group that is gone is neither frozen nor an error to thaw', (t) => {
    const dir = path.join(tempDir(t), 'gone');
    assert.equal(isGroupFrozen({ version: 1, dir }), false);
    assert.equal(isGroupFrozen({ version: 2, dir }), false);
    thawGroup({ version: 1, dir });
    thawGroup({ version: 2, dir });
  });

  it('a signal to a paused container thaws it as Docker\'s: SIGKILL, or the container\'s own --stop-signal', () => {
    assert.equal(thawsForSignal('SIGKILL', undefined), true);
    assert.equal(thawsForSignal(9, undefined), true);
    assert.equal(thawsForSignal('SIGTERM', undefined), false, 'the default stop signal waits for unpause');
    assert.equal(thawsForSignal('SIGUSR1', '10'), true, 'its --stop-signal, stored as a number');
    assert.equal(thawsForSignal(15, '10'), false);
  });

  it('isPaused: a running container whose group is frozen; never a stopped one', (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'FROZEN\n');
    const pluginState = { 'mydocker:cgroups': { layout: 'v1', paths: { freezer: dir } } };
    const self = { pid: process.pid, pidStartTime: processStartTime(process.pid) };
    const running = makeRecord({ pluginState, state: { status: 'running', ...self, startedAt: null, finishedAt: null, exitCode: null } });
    assert.equal(isPaused(running), true);
    assert.equal(isPaused({ ...running, state: { ...running.state, status: 'exited' } }), false);
    assert.equal(isPaused({ ...running, pluginState: {} }), false);
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED\n');
    assert.equal(isPaused(running), false);
  });
});
