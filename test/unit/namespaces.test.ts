// hooks/namespaces.ts with the FakeKernel and a fake /proc: no real setns, unshare or fchdir. Every
// fake namespace file holds "<owner>:<ns>", so each recorded setns says which file it went into.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLONE,
  CONTAINER_NAMESPACES,
  NamespaceReturnError,
  closeOwnNamespaces,
  enterNamespaceFds,
  enterNamespaces,
  openOwnNamespaces,
  returnToOwnNamespaces,
  withNamespaceFds,
  withNamespaces,
} from '../../hooks/index.js';
import { FakeKernel, type FakeKernelOptions } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

const PID = 42;
const WITH_CGROUP = [...CONTAINER_NAMESPACES.slice(0, -1), { file: 'cgroup', nstype: CLONE.NEWCGROUP }, ...CONTAINER_NAMESPACES.slice(-1)];

function fakeProc(dir: string, owners: string[] = ['thread-self', String(PID)]): string {
  for (const owner of owners) {
    fs.mkdirSync(path.join(dir, owner, 'ns'), { recursive: true });
    for (const ns of ['ipc', 'uts', 'net', 'pid', 'cgroup', 'mnt']) fs.writeFileSync(path.join(dir, owner, 'ns', ns), `${owner}:${ns}`);
  }
  return dir;
}

function readFd(fd: number): string {
  const buf = Buffer.alloc(64);
  return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString();
}

/** A FakeKernel that also notes, for each setns, the content of the file its fd is open on. */
function kernelSeeing(options: FakeKernelOptions = {}): { kernel: FakeKernel; steps: string[] } {
  const steps: string[] = [];
  const kernel = new FakeKernel({
    ...options,
    onCall: (c) => {
      if (c.call === 'setns') steps.push(readFd(c.args[0] as number));
      else steps.push(c.call);
    },
  });
  return { kernel, steps };
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('enterNamespaces', () => {
  it('unshares its fs_struct, joins in the given order (mnt last), returns in reverse, then fchdir()s back', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing();
    const before = openFds();
    const inside = enterNamespaces(kernel, PID, WITH_CGROUP, { procRoot: proc });
    assert.deepEqual(steps, ['unshare', '42:ipc', '42:uts', '42:net', '42:pid', '42:cgroup', '42:mnt']);
    assert.deepEqual(kernel.calls[0], { call: 'unshare', args: [CLONE.FS] });
    assert.deepEqual(inside.entered, [CLONE.NEWIPC, CLONE.NEWUTS, CLONE.NEWNET, CLONE.NEWPID, CLONE.NEWCGROUP, CLONE.NEWNS]);
    assert.deepEqual(kernel.callsOf('setns').map((c) => c.args[1]), inside.entered);
    steps.length = 0;
    inside.leave();
    assert.deepEqual(steps, ['thread-self:mnt', 'thread-self:cgroup', 'thread-self:pid', 'thread-self:net', 'thread-self:uts', 'thread-self:ipc', 'fchdir']);
    assert.equal(openFds(), before, 'every descriptor is closed');
    kernel.calls.length = 0;
    inside.leave();
    assert.deepEqual(kernel.calls, [], 'a second leave does nothing');
  });

  it('opens every descriptor first: a process that is gone fails before any kernel call, leaking nothing', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'), ['thread-self']);
    fs.mkdirSync(path.join(proc, String(PID), 'ns'), { recursive: true });
    fs.writeFileSync(path.join(proc, String(PID), 'ns', 'ipc'), '');
    const kernel = new FakeKernel();
    const before = openFds();
    assert.throws(() => enterNamespaces(kernel, PID, CONTAINER_NAMESPACES, { procRoot: proc }), /ENOENT/);
    assert.deepEqual(kernel.calls, []);
    assert.equal(openFds(), before);
  });

  it('without a mount namespace: no unshare and no fchdir', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing();
    const inside = enterNamespaces(kernel, PID, CONTAINER_NAMESPACES.slice(0, 3), { procRoot: proc });
    inside.leave();
    assert.deepEqual(steps, ['42:ipc', '42:uts', '42:net', 'thread-self:net', 'thread-self:uts', 'thread-self:ipc']);
  });

  it('a setns failing half-way returns from only what was entered, then throws the failure', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing({ failOn: { call: 'setns', nth: 3 } });
    const before = openFds();
    assert.throws(() => enterNamespaces(kernel, PID, CONTAINER_NAMESPACES, { procRoot: proc }), (e: unknown) => !(e instanceof NamespaceReturnError) && /EPERM/.test(String(e)));
    // the failed call is recorded (and fails) before onCall: it has no step
    assert.deepEqual(steps, ['unshare', '42:ipc', '42:uts', 'thread-self:uts', 'thread-self:ipc']);
    assert.equal(openFds(), before);
  });

  it('a failed way back is a NamespaceReturnError, stops at the failure and still closes everything', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const kernel = new FakeKernel();
    const before = openFds();
    const inside = enterNamespaces(kernel, PID, CONTAINER_NAMESPACES, { procRoot: proc });
    kernel.failOn({ call: 'setns', nth: 7 }); // the second setns back: pid
    kernel.calls.length = 0;
    assert.throws(() => inside.leave(), (e: unknown) => e instanceof NamespaceReturnError && /EPERM/.test(e.message));
    assert.deepEqual(kernel.calls.map((c) => [c.call, c.args[1]]), [['setns', CLONE.NEWNS], ['setns', CLONE.NEWPID]]);
    assert.equal(openFds(), before);
  });

  it('a failed way back after a failed setns throws the NamespaceReturnError, caused by the first failure', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const kernel = new FakeKernel({ failOn: [{ call: 'setns', nth: 3, errno: 22 }, { call: 'setns', nth: 4 }] });
    assert.throws(
      () => enterNamespaces(kernel, PID, CONTAINER_NAMESPACES, { procRoot: proc }),
      (e: unknown) => e instanceof NamespaceReturnError && /EPERM/.test(e.message) && /EINVAL/.test(String((e.cause as Error).message)),
    );
  });

  it('with the caller\'s own saved namespaces: returns in their order and leaves them open', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing();
    const home = openOwnNamespaces(CONTAINER_NAMESPACES, { procRoot: proc });
    try {
      assert.deepEqual(home.fds.map((f) => readFd(f.fd)), ['thread-self:mnt', 'thread-self:pid', 'thread-self:net', 'thread-self:uts', 'thread-self:ipc']);
      enterNamespaces(kernel, PID, CONTAINER_NAMESPACES, { procRoot: proc, home }).leave();
      assert.deepEqual(steps.slice(-6), ['thread-self:mnt', 'thread-self:pid', 'thread-self:net', 'thread-self:uts', 'thread-self:ipc', 'fchdir']);
      assert.deepEqual(kernel.callsOf('fchdir')[0]!.args, [home.cwdFd]);
      for (const { fd } of [...home.fds, { fd: home.cwdFd }]) fs.fstatSync(fd); // still open
    } finally {
      closeOwnNamespaces(home);
    }
  });
});

describe('returnToOwnNamespaces', () => {
  it('returns to all (a thread that unshared) or only to the entered ones, fchdir only after mnt', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const home = openOwnNamespaces(CONTAINER_NAMESPACES, { procRoot: proc });
    try {
      const all = kernelSeeing();
      returnToOwnNamespaces(all.kernel, home);
      assert.deepEqual(all.steps, ['thread-self:mnt', 'thread-self:pid', 'thread-self:net', 'thread-self:uts', 'thread-self:ipc', 'fchdir']);
      const some = kernelSeeing();
      returnToOwnNamespaces(some.kernel, home, [CLONE.NEWIPC, CLONE.NEWNET]);
      assert.deepEqual(some.steps, ['thread-self:net', 'thread-self:ipc']);
    } finally {
      closeOwnNamespaces(home);
    }
  });
});

describe('enterNamespaceFds and withNamespaces', () => {
  it('enterNamespaceFds joins descriptors the caller opened, and leaves them to the caller', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing();
    const netns = fs.openSync(path.join(proc, String(PID), 'ns', 'net'), 'r');
    try {
      enterNamespaceFds(kernel, [{ fd: netns, nstype: CLONE.NEWNET }], { procRoot: proc }).leave();
      assert.deepEqual(steps, ['42:net', 'thread-self:net']);
      fs.fstatSync(netns); // still open
    } finally {
      fs.closeSync(netns);
    }
  });

  it('withNamespaces runs fn inside, returns its value and comes back; a throwing fn still comes back', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing();
    const value = withNamespaces(kernel, PID, [{ file: 'net', nstype: CLONE.NEWNET }], () => {
      steps.push('fn');
      return 7;
    }, { procRoot: proc });
    assert.equal(value, 7);
    assert.deepEqual(steps, ['42:net', 'fn', 'thread-self:net']);
    steps.length = 0;
    assert.throws(() => withNamespaces(kernel, PID, [{ file: 'net', nstype: CLONE.NEWNET }], () => {
      throw new Error('boom');
    }, { procRoot: proc }), /boom/);
    assert.deepEqual(steps, ['42:net', 'thread-self:net']);
  });

  it('withNamespaceFds refuses an asynchronous fn, after coming back', (t) => {
    const proc = fakeProc(tempDir(t, 'ns-proc-'));
    const { kernel, steps } = kernelSeeing();
    const netns = fs.openSync(path.join(proc, String(PID), 'ns', 'net'), 'r');
    try {
      assert.throws(() => withNamespaceFds(kernel, [{ fd: netns, nstype: CLONE.NEWNET }], async () => 1, { procRoot: proc }), TypeError);
      assert.deepEqual(steps, ['42:net', 'thread-self:net']);
    } finally {
      fs.closeSync(netns);
    }
  });
});
