import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLONE, type EnterContext } from '../../hooks/index.js';
import { enterContainer } from '../../plugins/exec/index.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

/** A fake /proc with namespace files for the calling thread and for pid 42. */
function fakeProc(dir: string): string {
  for (const owner of ['thread-self', '42']) {
    fs.mkdirSync(path.join(dir, owner, 'ns'), { recursive: true });
    for (const ns of ['ipc', 'uts', 'net', 'pid', 'cgroup', 'mnt']) fs.writeFileSync(path.join(dir, owner, 'ns', ns), `${owner}:${ns}`);
  }
  return dir;
}

function context(kernel: FakeKernel, leaves: Array<() => void>): EnterContext {
  return { pid: 42, kernel, onLeave: (fn: () => void) => leaves.push(fn) } as unknown as EnterContext;
}

describe('mydocker:exec enterNamespace', () => {
  it('unshares its fs_struct, then joins ipc, uts, net, pid, cgroup and mnt (mnt last); the way back restores all', (t) => {
    const proc = fakeProc(tempDir(t, 'exec-proc-'));
    const kernel = new FakeKernel();
    const leaves: Array<() => void> = [];
    enterContainer(context(kernel, leaves), proc);
    const entering = kernel.calls.map((c) => [c.call, c.args[c.call === 'setns' ? 1 : 0]]);
    assert.deepEqual(entering, [
      ['unshare', CLONE.FS],
      ['setns', CLONE.NEWIPC],
      ['setns', CLONE.NEWUTS],
      ['setns', CLONE.NEWNET],
      ['setns', CLONE.NEWPID],
      ['setns', CLONE.NEWCGROUP],
      ['setns', CLONE.NEWNS],
    ]);
    kernel.calls.length = 0;
    assert.equal(leaves.length, 1);
    leaves[0]!();
    assert.deepEqual(
      kernel.calls.map((c) => [c.call, c.call === 'setns' ? c.args[1] : undefined]),
      [['setns', CLONE.NEWNS], ['setns', CLONE.NEWCGROUP], ['setns', CLONE.NEWPID], ['setns', CLONE.NEWNET], ['setns', CLONE.NEWUTS], ['setns', CLONE.NEWIPC], ['fchdir', undefined]],
    );
  });

  it('a failed setns returns only from what was entered before it throws, and leaves nothing to run', (t) => {
    const proc = fakeProc(tempDir(t, 'exec-proc-'));
    const kernel = new FakeKernel({ failOn: { call: 'setns', nth: 3 } });
    const leaves: Array<() => void> = [];
    assert.throws(() => enterContainer(context(kernel, leaves), proc), /EPERM/);
    const afterFailure = kernel.calls.slice(kernel.calls.findIndex((c) => c.call === 'setns' && c.args[1] === CLONE.NEWNET) + 1);
    assert.deepEqual(afterFailure.map((c) => c.args[1]).filter((x) => x !== undefined), [CLONE.NEWUTS, CLONE.NEWIPC]);
    assert.deepEqual(leaves, [], 'the way back already ran');
  });

  it('a container that is gone (no /proc/<pid>) fails before any setns', (t) => {
    const proc = tempDir(t, 'exec-proc-');
    fs.mkdirSync(path.join(proc, 'thread-self', 'ns'), { recursive: true });
    for (const ns of ['ipc', 'uts', 'net', 'pid', 'mnt']) fs.writeFileSync(path.join(proc, 'thread-self', 'ns', ns), '');
    const kernel = new FakeKernel();
    const leaves: Array<() => void> = [];
    assert.throws(() => enterContainer(context(kernel, leaves), proc), /ENOENT/);
    assert.deepEqual(kernel.calls, []);
    assert.deepEqual(leaves, []);
  });
});
