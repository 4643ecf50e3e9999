import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { launch, type HostNamespaces, type LaunchDeps, type LaunchSpec } from '../../src/process/launch.js';
import { checkCommand } from '../../src/process/inside.js';
import { CLONE, MNT, MS } from '../../hooks/index.js';
import { CommandError, MydockerError } from '../../src/errors.js';
import { KernelError } from '../../src/kernel/kernel-error.js';
import { INIT_ARGV0, INIT_PATH, INIT_READY_FLAG, encodePrelude } from '../../src/process/first-process.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../src/process/confine-mounts.js';
import { libcKernel } from '../../src/kernel/libc.js';
import { FakeKernel, type FakeKernelOptions } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

const S_IFCHR = 0o020000;
/** Stands for the sealed memfd of mydocker-init: launch only hands the number on. */
const INIT_FD = 77;

/**
 * The confining mounts after pivot_root. Without a real pivot_root the paths resolve on this host:
 * only those its kernel has are masked.
 */
function confineCalls(): Array<{ call: string; args: unknown[] }> {
  const kind = (p: string): 'directory' | 'file' | null => {
    try {
      return fs.lstatSync(p).isDirectory() ? 'directory' : 'file';
    } catch {
      return null;
    }
  };
  return [
    ...MASKED_PATHS.flatMap((p): Array<{ call: string; args: unknown[] }> => {
      const k = kind(p);
      if (k === 'directory') return [{ call: 'mount', args: ['tmpfs', p, 'tmpfs', MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, 'size=0,mode=555'] }];
      return k === 'file' ? [{ call: 'mount', args: ['/dev/null', p, null, MS.BIND, null] }] : [];
    }),
    ...READONLY_PATHS.flatMap((p) =>
      kind(p) === null
        ? []
        : [
            { call: 'mount', args: [p, p, null, MS.BIND | MS.REC, null] },
            { call: 'mount', args: [null, p, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null] },
          ],
    ),
  ];
}
const ALL_NS = CLONE.NEWNS | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWNET | CLONE.NEWPID;

interface FakeChild {
  pid: number | undefined;
  kills: Array<NodeJS.Signals | number | undefined>;
  /** What the first process would read on its fd 3 ("go"), through its own descriptor. */
  goReader?: number;
}

interface Harness {
  base: string;
  rootfs: string;
  spec: LaunchSpec;
  kernel: FakeKernel;
  deps: LaunchDeps;
  host: HostNamespaces;
  child: FakeChild;
  spawns: Array<{ file: string; args: string[]; options: SpawnOptions; kernelCallsBefore: number }>;
  /** The go pipe's size at pivot_root (what the first process had been sent by then). */
  goSizeAtPivot: { bytes: number | null };
  hostDeviceCalls: { n: number };
}

interface HarnessOptions {
  kernel?: FakeKernelOptions;
  spec?: Partial<LaunchSpec>;
  childPid?: number | undefined;
  /** What the fake first process writes on its fd 4 (default "ready <its pid>\n"). */
  ready?: string;
  /** What the fake first process answers the prelude with (default "done\n"). */
  prelude?: string;
}

function harness(t: { after(fn: () => void): void }, opts: HarnessOptions = {}): Harness {
  const base = tempDir(t, 'mydocker-launch-');
  const rootfs = path.join(base, 'rootfs');
  fs.mkdirSync(rootfs);
  const kernel = new FakeKernel(opts.kernel);
  // Real fds (launch closes them), standing in for /proc/thread-self/ns/*.
  const nsTypes = [CLONE.NEWNS, CLONE.NEWUTS, CLONE.NEWIPC, CLONE.NEWNET, CLONE.NEWPID];
  const host: HostNamespaces = {
    fds: nsTypes.map((nstype, i) => {
      const file = path.join(base, `ns-${i}`);
      fs.writeFileSync(file, '');
      return { fd: fs.openSync(file, 'r'), nstype };
    }),
    cwdFd: fs.openSync(base, 'r'),
  };
  t.after(() => {
    for (const fd of [...host.fds.map((f) => f.fd), host.cwdFd]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed by launch, as it should be
      }
    }
  });
  const child: FakeChild = { pid: 'childPid' in opts ? opts.childPid : 4242, kills: [] };
  const hostDeviceCalls = { n: 0 };
  const spawns: Harness['spawns'] = [];
  const goSizeAtPivot: Harness['goSizeAtPivot'] = { bytes: null };
  const deps: LaunchDeps = {
    kernel,
    initFd: INIT_FD,
    // Never the host's: without a real pivot_root the nodes would be recreated over the host's own.
    hostDevices: () => {
      hostDeviceCalls.n++;
      return [];
    },
    openHostNamespaces: () => host,
    spawn(file, args, options) {
      spawns.push({ file, args, options, kernelCallsBefore: windowCalls(kernel).length });
      // The first process: reports "ready <pid>" on its fd 4 and keeps its fd 3 to read "go" from.
      const stdio = options.stdio;
      if (Array.isArray(stdio) && child.pid !== undefined) {
        // Its answers on fd 4, the ready line and the prelude's, both at once: a real first
        // process writes the second only later, so launch must not read past the first line.
        if (typeof stdio[4] === 'number' && opts.ready !== '') fs.writeSync(stdio[4], (opts.ready ?? `ready ${child.pid}\n`) + (opts.prelude ?? 'done\n'));
        if (typeof stdio[3] === 'number') {
          child.goReader = fs.openSync(`/proc/self/fd/${stdio[3]}`, 'r');
          t.after(() => {
            try {
              fs.closeSync(child.goReader!);
            } catch {
              // a test closed it itself (the first process "died")
            }
          });
        }
      }
      const fake = Object.assign(new EventEmitter(), {
        pid: child.pid,
        kill: (signal?: NodeJS.Signals | number) => {
          child.kills.push(signal);
          return true;
        },
      });
      return fake as unknown as ChildProcess;
    },
  };
  const spec: LaunchSpec = {
    rootfs,
    hostname: 'box1',
    // After pivot_root the real code resolves these on the (fake world's) host: keep them real.
    command: [process.execPath, '-e', '0'],
    env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'PWD=/w'],
    workdir: path.join(base, 'work/dir'),
    tty: false,
    stdio: ['ignore', 'inherit', 'inherit'],
    ...opts.spec,
  };
  // Not a failure: a look at the go pipe at the moment of pivot_root (the rule never matches).
  kernel.failOn({ call: 'pivotRoot', when: () => {
    goSizeAtPivot.bytes = child.goReader === undefined ? null : fs.fstatSync(child.goReader).size;
    return false;
  } });
  return { base, rootfs, spec, kernel, deps, host, child, spawns, goSizeAtPivot, hostDeviceCalls };
}

/** The kernel calls but pipe(): a handshake pipe, if launch makes one, is outside these orders. */
function windowCalls(kernel: FakeKernel) {
  return kernel.calls.filter((c) => c.call !== 'pipe');
}

function assertClosed(fd: number): void {
  assert.throws(() => fs.fstatSync(fd), (e: NodeJS.ErrnoException) => e.code === 'EBADF', `fd ${fd} was left open`);
}

function assertReturnedToHost(h: Harness): void {
  const tail = windowCalls(h.kernel).slice(-(h.host.fds.length + 1));
  assert.deepEqual(
    tail,
    [...h.host.fds.map(({ fd, nstype }) => ({ call: 'setns', args: [fd, nstype] })), { call: 'fchdir', args: [h.host.cwdFd] }],
    'the thread did not return to every host namespace, then its cwd',
  );
  for (const { fd } of h.host.fds) assertClosed(fd);
  assertClosed(h.host.cwdFd);
}

describe('launch', () => {
  it('makes the kernel calls of the launch window in order', (t) => {
    const h = harness(t);
    const launched = launch(h.spec, h.deps);
    const dev = path.join(h.rootfs, 'dev');
    const expected = [
      { call: 'unshare', args: [ALL_NS] },
      { call: 'interfaceUp', args: ['lo'] },
      { call: 'mount', args: [null, '/', null, MS.REC | MS.PRIVATE, null] },
      { call: 'mount', args: [h.rootfs, h.rootfs, null, MS.BIND | MS.REC, null] },
      { call: 'sethostname', args: ['box1'] },
      { call: 'mount', args: ['tmpfs', dev, 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k'] },
      { call: 'mknod', args: [path.join(dev, 'null'), S_IFCHR | 0o666, 1, 3] },
      { call: 'mknod', args: [path.join(dev, 'zero'), S_IFCHR | 0o666, 1, 5] },
      { call: 'mknod', args: [path.join(dev, 'full'), S_IFCHR | 0o666, 1, 7] },
      { call: 'mknod', args: [path.join(dev, 'random'), S_IFCHR | 0o666, 1, 8] },
      { call: 'mknod', args: [path.join(dev, 'urandom'), S_IFCHR | 0o666, 1, 9] },
      { call: 'mknod', args: [path.join(dev, 'tty'), S_IFCHR | 0o666, 5, 0] },
      { call: 'mount', args: ['devpts', path.join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5'] },
      { call: 'mount', args: ['shm', path.join(dev, 'shm'), 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=1777,size=65536k'] },
      { call: 'mount', args: ['mqueue', path.join(dev, 'mqueue'), 'mqueue', MS.NOSUID | MS.NODEV | MS.NOEXEC, null] },
      { call: 'mount', args: ['sysfs', path.join(h.rootfs, 'sys'), 'sysfs', MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null] },
      { call: 'chdir', args: [h.rootfs] },
      { call: 'pivotRoot', args: ['.', '.'] },
      { call: 'umount', args: ['.', MNT.DETACH] },
      { call: 'chdir', args: ['/'] },
      ...confineCalls(),
      ...h.host.fds.map(({ fd, nstype }) => ({ call: 'setns', args: [fd, nstype] })),
      { call: 'fchdir', args: [h.host.cwdFd] },
    ];
    const calls = windowCalls(h.kernel);
    assert.deepEqual(calls, expected);
    // unshare asks for exactly the five namespaces
    for (const flag of [CLONE.NEWNS, CLONE.NEWUTS, CLONE.NEWIPC, CLONE.NEWNET, CLONE.NEWPID]) {
      assert.ok((calls[0]!.args[0] as number) & flag);
    }
    assert.equal((calls[0]!.args[0] as number) & (CLONE.NEWUSER | CLONE.NEWCGROUP), 0);
    assert.equal(launched.pid, 4242);
    assert.equal(launched.ptyMaster, null);
    assert.deepEqual(h.child.kills, []);
    assertReturnedToHost(h);
  });

  it('detached: starts the shim first, joins the namespaces of the first process it made, then mounts', (t) => {
    // The fake first process reports this test process's pid: its /proc/<pid>/ns files exist.
    const h = harness(t, {
      ready: `ready ${process.pid}\n`,
      spec: { detached: { shim: '/opt/shim', log: '/s/log', exitFile: '/s/exit', cleanup: ['/usr/bin/node', 'cli', 'cleanup', 'ID'] } },
    });
    const launched = launch(h.spec, h.deps);
    assert.equal(h.spawns.length, 1);
    const [spawn] = h.spawns;
    assert.equal(spawn!.file, '/opt/shim');
    const sep = spawn!.args.indexOf('--');
    assert.deepEqual(spawn!.args.slice(0, sep), ['/s/log', '/s/exit', '/usr/bin/node', 'cli', 'cleanup', 'ID']);
    assert.deepEqual(spawn!.args.slice(sep + 1), [INIT_PATH, INIT_READY_FLAG], 'the shim execs the init from its sealed copy');
    assert.deepEqual((spawn!.options.stdio as unknown[]).slice(5), [INIT_FD]);
    assert.equal(spawn!.kernelCallsBefore, 0, 'the shim is spawned before any namespace work');
    const calls = windowCalls(h.kernel);
    assert.deepEqual(calls[0], { call: 'unshare', args: [CLONE.FS] }, 'joins, never creates, namespaces');
    assert.deepEqual(
      calls.slice(1, 6).map((c) => [c.call, c.args[1]]),
      [CLONE.NEWIPC, CLONE.NEWUTS, CLONE.NEWNET, CLONE.NEWPID, CLONE.NEWNS].map((ns) => ['setns', ns]),
    );
    assert.deepEqual(calls[6], { call: 'interfaceUp', args: ['lo'] }, 'lo is brought up in the joined network namespace');
    assert.deepEqual(calls[7], { call: 'mount', args: [null, '/', null, MS.REC | MS.PRIVATE, null] });
    assert.ok(calls.some((c) => c.call === 'pivotRoot'));
    assert.equal(launched.pid, process.pid, 'the pid is the first process\'s, not the shim\'s');
    assertReturnedToHost(h);
  });

  it('--net host: keeps the host\'s network namespace and its lo untouched, and tells the shim so', (t) => {
    const h = harness(t, { spec: { hostNetwork: true } });
    launch(h.spec, h.deps);
    const calls = windowCalls(h.kernel);
    assert.deepEqual(calls[0], { call: 'unshare', args: [ALL_NS & ~CLONE.NEWNET] });
    assert.ok(!calls.some((c) => c.call === 'interfaceUp'));
    const d = harness(t, {
      ready: `ready ${process.pid}\n`,
      spec: { hostNetwork: true, detached: { shim: '/opt/shim', log: '/s/log', exitFile: '/s/exit', cleanup: [] } },
    });
    launch(d.spec, d.deps);
    assert.deepEqual(d.spawns[0]!.args.slice(0, 3), ['--host-network', '/s/log', '/s/exit']);
    assert.ok(!windowCalls(d.kernel).some((c) => c.call === 'interfaceUp'));
  });

  it('spawns the first process after /sys, and has it mount /proc (its prelude) before pivot_root', (t) => {
    const h = harness(t);
    const launched = launch(h.spec, h.deps);
    const calls = windowCalls(h.kernel);
    const sysfsIndex = calls.findIndex((c) => c.call === 'mount' && c.args[2] === 'sysfs');
    assert.equal(h.spawns.length, 1);
    assert.equal(h.spawns[0]!.kernelCallsBefore, sysfsIndex + 1);
    const prelude = encodePrelude([{ op: 'mount', source: 'proc', target: path.join(h.rootfs, 'proc'), fstype: 'proc', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: null }]);
    assert.equal(h.goSizeAtPivot.bytes, prelude.length, 'the prelude, and only it, was sent before pivot_root');
    launched.go(Buffer.from('MDI1'));
    assert.deepEqual(fs.readFileSync(h.child.goReader!), Buffer.concat([prelude, Buffer.from('MDI1')]));
  });

  it('an OCI bundle: joins namespaces by path, unshares only its own, spawns the first process before its mounts, and the first process holds its go pipe and the fds to preserve', (t) => {
    const netns = path.join(tempDir(t, 'mydocker-netns-'), 'net');
    fs.writeFileSync(netns, '');
    const procStep = (rootfs: string) => ({ op: 'mount' as const, source: 'proc', target: path.join(rootfs, 'proc'), fstype: 'proc', flags: MS.NOSUID, data: null });
    const h = harness(t, {
      spec: {
        bundle: {
          unshare: CLONE.NEWNS | CLONE.NEWPID,
          join: [{ path: netns, nstype: CLONE.NEWNET }],
          hostname: null,
          slave: false,
          holdGo: true,
          preserveFds: 2,
          // As a config listing /dev, then /proc, then /sys: proc in its place, by the first process.
          mount: (kernel, rootfs, byFirstProcess) => {
            kernel.mount('tmpfs', path.join(rootfs, 'dev'), 'tmpfs', MS.NOSUID, 'mode=755');
            byFirstProcess([procStep(rootfs)]);
            kernel.mount('sysfs', path.join(rootfs, 'sys'), 'sysfs', MS.RDONLY, null);
          },
          afterPivot: (kernel) => kernel.mount(null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null),
        },
      },
    });
    // What the first process had been sent when the sysfs mount was made: the proc mount's prelude.
    const goSizeAtSysfs: { bytes: number | null } = { bytes: null };
    h.kernel.failOn({ call: 'mount', when: (args) => {
      if (args[2] === 'sysfs') goSizeAtSysfs.bytes = fs.fstatSync(h.child.goReader!).size;
      return false;
    } });
    const launched = launch(h.spec, h.deps);
    const calls = windowCalls(h.kernel).map((c) => (c.call === 'setns' ? { call: 'setns', args: [c.args[1]] } : c));
    assert.deepEqual(calls, [
      { call: 'setns', args: [CLONE.NEWNET] },
      // No lo brought up (the network namespace is another's), no hostname (no UTS namespace of its own).
      { call: 'unshare', args: [CLONE.NEWNS | CLONE.NEWPID] },
      { call: 'mount', args: [null, '/', null, MS.REC | MS.PRIVATE, null] },
      { call: 'mount', args: [h.rootfs, h.rootfs, null, MS.BIND | MS.REC, null] },
      { call: 'mount', args: ['tmpfs', path.join(h.rootfs, 'dev'), 'tmpfs', MS.NOSUID, 'mode=755'] },
      { call: 'mount', args: ['sysfs', path.join(h.rootfs, 'sys'), 'sysfs', MS.RDONLY, null] },
      { call: 'chdir', args: [h.rootfs] },
      { call: 'pivotRoot', args: ['.', '.'] },
      { call: 'umount', args: ['.', MNT.DETACH] },
      { call: 'chdir', args: ['/'] },
      { call: 'mount', args: [null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null] },
      ...h.host.fds.map(({ nstype }) => ({ call: 'setns', args: [nstype] })),
      { call: 'fchdir', args: [h.host.cwdFd] },
    ]);
    assert.equal(h.spawns[0]!.kernelCallsBefore, 4, 'spawned right after the rootfs was bound, before the config\'s first mount');
    assert.equal(goSizeAtSysfs.bytes, encodePrelude([procStep(h.rootfs)]).length, 'proc was mounted by the first process between /dev and /sys');
    const { args, options } = h.spawns[0]!;
    assert.deepEqual(args, [INIT_READY_FLAG, '--go-held', '--preserve-fds=2']);
    assert.equal(typeof (options.stdio as unknown[])[6], 'number', 'its own write end of the go pipe, as fd 6');
    assert.deepEqual((options.stdio as unknown[]).slice(7), [3, 4], 'our fds 3 and 4, to preserve, as its 7 and 8');
    assert.equal(h.goSizeAtPivot.bytes, encodePrelude([procStep(h.rootfs)]).length, 'nothing more was sent before pivot_root');
    launched.abandon();
  });

  it('an OCI bundle with rootfsPropagation slave: the container\'s mounts are made slaves of the host\'s, not private', (t) => {
    const h = harness(t, {
      spec: {
        bundle: { unshare: CLONE.NEWNS | CLONE.NEWPID, join: [], hostname: null, slave: true, holdGo: true, preserveFds: 0, mount: () => {}, afterPivot: () => {} },
      },
    });
    launch(h.spec, h.deps).abandon();
    assert.deepEqual(windowCalls(h.kernel)[1], { call: 'mount', args: [null, '/', null, MS.REC | MS.SLAVE, null] });
  });

  it('has the first process join its cgroups in its prelude, before it mounts /proc and before pivot_root', (t) => {
    const joins = ['/sys/fs/cgroup/memory/mydocker/abc/tasks', '/sys/fs/cgroup/pids/mydocker/abc/tasks'];
    const h = harness(t, { spec: { cgroupJoins: joins } });
    const launched = launch(h.spec, h.deps);
    const prelude = encodePrelude([
      ...joins.map((file) => ({ op: 'join-cgroup', file }) as const),
      { op: 'mount', source: 'proc', target: path.join(h.rootfs, 'proc'), fstype: 'proc', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: null },
    ]);
    assert.equal(h.goSizeAtPivot.bytes, prelude.length, 'the prelude was sent, whole, before pivot_root');
    launched.abandon();
    const sent = fs.readFileSync(h.child.goReader!);
    assert.deepEqual(sent, prelude);
    // As mydocker-init reads it: tag 14, the file, NUL-terminated, in the order given, first.
    assert.equal(sent[8], 14);
    assert.equal(sent.subarray(13, 13 + sent.readUInt32LE(9)).toString(), `${joins[0]}\0`);
  });

  it('an OCI bundle with a cgroup namespace: the first process joins its groups, then unshares it, in one prelude before the mounts', (t) => {
    const joins = ['/sys/fs/cgroup/memory/ns/abc/tasks', '/sys/fs/cgroup/pids/ns/abc/tasks'];
    const bundle = (cgroupNamespace: boolean) => ({ unshare: CLONE.NEWNS | CLONE.NEWPID, join: [], hostname: null, slave: false, holdGo: true, preserveFds: 0, cgroupNamespace, mount: () => {}, afterPivot: () => {} });
    const h = harness(t, { spec: { cgroupJoins: joins, bundle: bundle(true) } });
    const launched = launch(h.spec, h.deps);
    const prelude = encodePrelude([...joins.map((file) => ({ op: 'join-cgroup', file }) as const), { op: 'unshare', flags: CLONE.NEWCGROUP }]);
    assert.equal(h.goSizeAtPivot.bytes, prelude.length, 'sent before pivot_root: the namespace exists when create returns');
    launched.abandon();
    const sent = fs.readFileSync(h.child.goReader!);
    assert.deepEqual(sent, prelude);
    // As mydocker-init reads it, last: tag 10 (unshare), 4 bytes of CLONE_NEWCGROUP.
    assert.equal(sent[sent.length - 9], 10);
    assert.equal(sent.readUInt32LE(sent.length - 4), CLONE.NEWCGROUP);
    // Without one (the config lists no cgroup namespace): the joins alone.
    const plain = harness(t, { spec: { cgroupJoins: joins, bundle: bundle(false) } });
    launch(plain.spec, plain.deps).abandon();
    assert.deepEqual(fs.readFileSync(plain.child.goReader!), encodePrelude(joins.map((file) => ({ op: 'join-cgroup', file }) as const)));
  });

  it('reports a cgroup namespace the first process could not make with its own line', (t) => {
    const h = harness(t, {
      spec: { bundle: { unshare: CLONE.NEWNS | CLONE.NEWPID, join: [], hostname: null, slave: false, holdGo: true, preserveFds: 0, cgroupNamespace: true, mount: () => {}, afterPivot: () => {} } },
      prelude: 'mydocker: cannot unshare a namespace: Operation not permitted\n',
    });
    assert.throws(
      () => launch(h.spec, h.deps),
      (e: unknown) => e instanceof MydockerError && e.message === 'making the container\'s cgroup namespace failed: cannot unshare a namespace: Operation not permitted',
    );
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assertReturnedToHost(h);
  });

  it('reports a cgroup the first process could not join with its own line, and kills it', (t) => {
    const h = harness(t, { spec: { cgroupJoins: ['/cg/memory/x/tasks'] }, prelude: 'mydocker: cannot join the cgroup of /cg/memory/x/tasks: No space left on device\n' });
    assert.throws(
      () => launch(h.spec, h.deps),
      (e: unknown) => e instanceof MydockerError && e.message === 'joining the container\'s cgroups failed: cannot join the cgroup of /cg/memory/x/tasks: No space left on device',
    );
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assert.equal(h.kernel.callsOf('pivotRoot').length, 0);
    assertReturnedToHost(h);
  });

  it('spawns mydocker-init from its sealed copy as the first process, with nothing of our environment', (t) => {
    const h = harness(t, { spec: { command: [process.execPath, 'a b', '$HOME', ''], stdio: [7, 'inherit', 'pipe'] } });
    launch(h.spec, h.deps);
    const { file, args, options } = h.spawns[0]!;
    assert.equal(file, INIT_PATH);
    assert.deepEqual(args, [INIT_READY_FLAG], 'the command travels in the launch message, not in argv');
    assert.equal(options.argv0, INIT_ARGV0);
    assert.deepEqual(options.env, {});
    const stdio = options.stdio as unknown[];
    assert.deepEqual(stdio.slice(0, 3), [7, 'inherit', 'pipe']);
    assert.equal(stdio[5], INIT_FD, 'the init\'s own binary is its fd 5');
    assert.equal(options.cwd, '/');
    assert.equal(options.detached, true);
  });

  it('builds /dev in the rootfs: nodes chmodded to 0666, links, pts/shm/mqueue; creates the mount points', (t) => {
    const h = harness(t);
    launch(h.spec, h.deps);
    const dev = path.join(h.rootfs, 'dev');
    for (const name of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
      assert.equal(fs.statSync(path.join(dev, name)).mode & 0o777, 0o666, name);
    }
    assert.equal(fs.readlinkSync(path.join(dev, 'ptmx')), 'pts/ptmx');
    assert.equal(fs.readlinkSync(path.join(dev, 'fd')), '/proc/self/fd');
    assert.equal(fs.readlinkSync(path.join(dev, 'stderr')), '/proc/self/fd/2');
    for (const d of ['pts', 'shm', 'mqueue']) assert.ok(fs.statSync(path.join(dev, d)).isDirectory(), d);
    for (const d of ['proc', 'sys']) assert.ok(fs.statSync(path.join(h.rootfs, d)).isDirectory(), d);
    assert.ok(fs.statSync(h.spec.workdir).isDirectory(), 'the workdir was created');
  });

  it('allocates the pty from the container devpts when tty is set', (t) => {
    const h = harness(t, {
      spec: { tty: true },
      kernel: {
        ptyNumber: 3,
        onCall: ({ call, args }) => {
          // A fake devpts instance: its ptmx and the slave the fake unlockPty will name.
          if (call === 'mount' && args[2] === 'devpts') {
            fs.writeFileSync(path.join(String(args[1]), 'ptmx'), '');
            fs.writeFileSync(path.join(String(args[1]), '3'), '');
          }
        },
      },
    });
    const launched = launch(h.spec, h.deps);
    t.after(() => fs.closeSync(launched.ptyMaster!));
    assert.equal(typeof launched.ptyMaster, 'number');
    assert.deepEqual(h.kernel.callsOf('unlockPty'), [{ call: 'unlockPty', args: [launched.ptyMaster] }]);
    const { options } = h.spawns[0]!;
    assert.equal(launched.ttyPath, '/dev/pts/3');
    const stdio = options.stdio as unknown[];
    assert.ok(stdio.length >= 4);
    assert.ok(typeof stdio[0] === 'number' && stdio[0] === stdio[1] && stdio[1] === stdio[2], 'the slave is fds 0, 1 and 2');
    assertClosed(stdio[0] as number);
    fs.fstatSync(launched.ptyMaster!); // the master stays open for the caller
  });

  it('an OCI bundle with a terminal: the first process, spawned before its devpts existed, takes the pty in a prelude', (t) => {
    const h = harness(t, {
      spec: {
        tty: true,
        stdio: [0, 1, 2],
        bundle: {
          unshare: CLONE.NEWNS | CLONE.NEWPID,
          join: [],
          hostname: null,
          slave: false,
          holdGo: true,
          preserveFds: 0,
          mount: (kernel, rootfs) => kernel.mount('devpts', path.join(rootfs, 'dev/pts'), 'devpts', MS.NOSUID, 'newinstance'),
          afterPivot: () => {},
        },
      },
      kernel: {
        ptyNumber: 3,
        onCall: ({ call, args }) => {
          if (call === 'mount' && args[2] === 'devpts') {
            fs.mkdirSync(String(args[1]), { recursive: true });
            fs.writeFileSync(path.join(String(args[1]), 'ptmx'), '');
            fs.writeFileSync(path.join(String(args[1]), '3'), '');
          }
        },
      },
    });
    const launched = launch(h.spec, h.deps);
    t.after(() => fs.closeSync(launched.ptyMaster!));
    assert.deepEqual((h.spawns[0]!.options.stdio as unknown[]).slice(0, 3), [0, 1, 2], 'spawned with the caller\'s stdio');
    launched.abandon();
    const slave = path.join(h.rootfs, 'dev/pts/3');
    assert.deepEqual(fs.readFileSync(h.child.goReader!), encodePrelude([{ op: 'terminal', path: slave }]), 'then told to take the pty');
    assert.ok(h.kernel.calls.some((c) => c.call === 'mount' && c.args[0] === slave && c.args[1] === path.join(h.rootfs, 'dev/console')), 'the pty is also /dev/console');
    assert.equal(launched.ttyPath, '/dev/pts/3');
  });

  it('go() sends the launch message on the first process\'s fd 3, once; all other handshake fds are closed', (t) => {
    const h = harness(t);
    const launched = launch(h.spec, h.deps);
    assert.equal(h.kernel.pipes.length, 2, 'a go pipe and a ready pipe');
    const [[goRead, goWrite], [readyRead, readyWrite]] = h.kernel.pipes as [[number, number], [number, number]];
    assert.deepEqual((h.spawns[0]!.options.stdio as unknown[]).slice(3), [goRead, readyWrite, INIT_FD]);
    for (const fd of [goRead, readyRead, readyWrite]) assertClosed(fd);
    fs.fstatSync(goWrite); // kept for go()
    const prelude = fs.readFileSync(h.child.goReader!); // what was sent before pivot_root
    launched.go(Buffer.from('MDI1 message'));
    launched.go(Buffer.from('again'));
    assertClosed(goWrite);
    assert.equal(prelude.subarray(0, 4).toString(), 'MDP1');
    assert.equal(fs.readFileSync(h.child.goReader!, 'utf8'), 'MDI1 message', 'once, after the prelude');
  });

  it('go() to a first process that died while it waited (EPIPE) is no launch failure', (t) => {
    const h = harness(t);
    // Real pipes: only a real pipe says EPIPE once its last reader is gone.
    h.kernel.pipe = () => libcKernel().pipe();
    const launched = launch(h.spec, h.deps);
    fs.closeSync(h.child.goReader!); // the first process, killed before "go"
    assert.doesNotThrow(() => launched.go(Buffer.from('MDI1')));
  });

  it('abandon() closes the go pipe without a word', (t) => {
    const h = harness(t);
    const launched = launch(h.spec, h.deps);
    const prelude = fs.readFileSync(h.child.goReader!);
    launched.abandon();
    launched.go(Buffer.from('MDI1'));
    assertClosed(h.kernel.pipes[0]![1]);
    assert.equal(prelude.subarray(0, 4).toString(), 'MDP1');
    assert.equal(fs.readFileSync(h.child.goReader!, 'utf8'), '', 'nothing after the prelude');
  });

  it('does not pivot_root before the first process is ready, and gives up if it dies first', (t) => {
    const h = harness(t, { ready: '' });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof MydockerError && /died before it was ready/.test(e.message));
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assert.equal(h.kernel.callsOf('pivotRoot').length, 0);
    assert.equal(fs.readFileSync(h.child.goReader!).length, 0, '/proc is not mounted either');
    assertReturnedToHost(h);
    for (const fd of h.kernel.pipes.flat()) assertClosed(fd);
  });

  it('refuses an unexpected message on the ready pipe', (t) => {
    const h = harness(t, { ready: 'nope!\n' });
    assert.throws(() => launch(h.spec, h.deps), /unexpected message/);
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    for (const fd of h.kernel.pipes.flat()) assertClosed(fd);
  });

  it('closes every pipe end when the launch fails', (t) => {
    const h = harness(t, { kernel: { failOn: { call: 'pivotRoot' } } });
    assert.throws(() => launch(h.spec, h.deps), KernelError);
    assert.equal(h.kernel.pipes.length, 2);
    for (const fd of h.kernel.pipes.flat()) assertClosed(fd);
  });

  it(
    'closes the first pipe when making the second one fails',
    (t) => {
      const h = harness(t, { kernel: { failOn: { call: 'pipe', nth: 2, errno: 24 /* EMFILE */ } } });
      assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof KernelError && e.code === 'EMFILE');
      assert.equal(h.kernel.callsOf('unshare').length, 0);
      for (const fd of h.kernel.pipes.flat()) assertClosed(fd);
    },
  );

  it('kills the child and still returns to the host when pivot_root fails', (t) => {
    const h = harness(t, { kernel: { failOn: { call: 'pivotRoot', errno: 22 } } });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof KernelError && e.syscall === 'pivotRoot' && e.code === 'EINVAL');
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assert.equal(h.kernel.callsOf('umount').length, 0);
    assert.equal(fs.existsSync(h.spec.workdir), false, 'nothing ran after the failed call');
    assertReturnedToHost(h);
  });

  it('returns to the host when a mount fails before the child exists', (t) => {
    const h = harness(t, { kernel: { failOn: { call: 'mount', when: (args) => args[2] === 'devpts' } } });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof KernelError && e.syscall === 'mount');
    assert.equal(h.spawns.length, 0);
    assert.deepEqual(h.child.kills, []);
    assertReturnedToHost(h);
  });

  it('does not setns back when unshare itself failed, but closes the saved fds', (t) => {
    const h = harness(t, { kernel: { failOn: { call: 'unshare' } } });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof KernelError && e.code === 'EPERM');
    assert.deepEqual(windowCalls(h.kernel).map((c) => c.call), ['unshare']);
    for (const { fd } of h.host.fds) assertClosed(fd);
    assertClosed(h.host.cwdFd);
  });

  it('refuses an image whose /dev is a symlink, before mounting anything on it', (t) => {
    const h = harness(t);
    const hostDev = path.join(h.base, 'host-dev');
    fs.mkdirSync(hostDev);
    fs.symlinkSync(hostDev, path.join(h.rootfs, 'dev'));
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof MydockerError && /image's \/dev is not a directory/.test(e.message));
    assert.equal(h.kernel.calls.some((c) => c.call === 'mount' && c.args[2] === 'tmpfs'), false);
    assert.deepEqual(fs.readdirSync(hostDev), []);
    assertReturnedToHost(h);
  });

  it('reports a failed /proc mount with the first process\'s own line and kills it', (t) => {
    const h = harness(t, { prelude: 'mydocker: cannot mount /r/proc: Permission denied\n' });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof MydockerError && e.message === 'mounting /proc in the container failed: cannot mount /r/proc: Permission denied');
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assert.equal(h.kernel.callsOf('pivotRoot').length, 0);
    assertReturnedToHost(h);
  });

  it('reports a first process that died while it mounted /proc', (t) => {
    const h = harness(t, { prelude: '' });
    assert.throws(() => launch(h.spec, h.deps), /died while joining its cgroups and mounting \/proc/);
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assertReturnedToHost(h);
  });

  it('fails cleanly when the first process could not be spawned', (t) => {
    const h = harness(t, { childPid: undefined });
    assert.throws(() => launch(h.spec, h.deps), /could not start the container's first process/);
    assert.deepEqual(h.child.kills, []);
    assertReturnedToHost(h);
  });

  it('gives Docker\'s 127 for a missing command, after pivot_root, and kills the child', (t) => {
    const h = harness(t, { spec: { command: ['no-such-command-mydocker'], env: [`PATH=${tempDir(t)}`] } });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof CommandError && e.exitCode === 127 && /executable file not found in \$PATH/.test(e.message));
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assert.equal(h.kernel.callsOf('pivotRoot').length, 1);
    assertReturnedToHost(h);
  });

  it('refuses a workdir that is a file', (t) => {
    const h = harness(t);
    const file = path.join(h.base, 'a-file');
    fs.writeFileSync(file, '');
    assert.throws(() => launch({ ...h.spec, workdir: file }, h.deps), (e: unknown) => e instanceof MydockerError && /cannot create working directory|is not a directory/.test(e.message));
    assert.deepEqual(h.child.kills, ['SIGKILL']);
    assertReturnedToHost(h);
  });

  it('reports a failed return to the host as a bug of mydocker', (t) => {
    const h = harness(t, { kernel: { failOn: { call: 'setns', nth: 3 } } });
    assert.throws(() => launch(h.spec, h.deps), (e: unknown) => e instanceof MydockerError && /could not return to the host's namespaces/.test(e.message));
    assert.equal(h.kernel.callsOf('setns').length, 3, 'stops at the failed setns');
    assert.equal(h.kernel.callsOf('fchdir').length, 0);
  });

  it(
    'kills the first process when the return to the host fails',
    (t) => {
      const h = harness(t, { kernel: { failOn: { call: 'setns', nth: 1 } } });
      assert.throws(() => launch(h.spec, h.deps), /could not return to the host's namespaces/);
      assert.deepEqual(h.child.kills, ['SIGKILL']);
      // nor may its "go" pipe stay open: the first process would wait on it as long as we live
      assertClosed(h.kernel.pipes[0]![1]);
    },
  );
});

describe('checkCommand', () => {
  const table = (entries: Record<string, 'ok' | 'notexec'>) => {
    const asked: string[] = [];
    const access = (p: string): 'ok' | 'missing' | 'notexec' => {
      asked.push(p);
      return entries[p] ?? 'missing';
    };
    return { access, asked };
  };
  const commandError = (code: 126 | 127, message: string) => (e: unknown): boolean => {
    assert.ok(e instanceof CommandError, `expected CommandError, got ${String(e)}`);
    assert.equal(e.exitCode, code);
    assert.equal(e.message, message);
    return true;
  };

  it('finds a command in the PATH of the container env, in order', () => {
    const { access, asked } = table({ '/b/ls': 'ok', '/c/ls': 'ok' });
    checkCommand(['ls', '-l'], ['PATH=/a:/b:/c'], access);
    assert.deepEqual(asked, ['/a/ls', '/b/ls']);
  });

  it('uses the default PATH when the env has none, and "." for an empty entry', () => {
    const { access, asked } = table({});
    assert.throws(() => checkCommand(['x'], [], access), commandError(127, 'exec: "x": executable file not found in $PATH'));
    assert.deepEqual(asked, ['/usr/local/sbin/x', '/usr/local/bin/x', '/usr/sbin/x', '/usr/bin/x', '/sbin/x', '/bin/x']);
    const second = table({});
    assert.throws(() => checkCommand(['x'], ['PATH=/a::/b'], second.access), /executable file not found in \$PATH/);
    assert.deepEqual(second.asked, ['/a/x', 'x', '/b/x']);
  });

  it('a missing command is 127 "executable file not found in $PATH"', () => {
    const { access } = table({});
    assert.throws(() => checkCommand(['nope'], ['PATH=/bin'], access), commandError(127, 'exec: "nope": executable file not found in $PATH'));
  });

  it('found but not executable is 126, unless a later PATH entry is executable', () => {
    const { access } = table({ '/a/tool': 'notexec' });
    assert.throws(() => checkCommand(['tool'], ['PATH=/a:/b'], access), commandError(126, 'exec: "tool": permission denied'));
    const later = table({ '/a/tool': 'notexec', '/b/tool': 'ok' });
    checkCommand(['tool'], ['PATH=/a:/b'], later.access);
  });

  it('a path with a slash is not searched', () => {
    const { access, asked } = table({ './run.sh': 'ok' });
    checkCommand(['./run.sh'], ['PATH=/bin'], access);
    assert.deepEqual(asked, ['./run.sh']);
    assert.throws(() => checkCommand(['/opt/missing'], ['PATH=/bin'], table({}).access), commandError(127, 'exec: "/opt/missing": no such file or directory'));
    assert.throws(() => checkCommand(['bin/x'], [], table({ 'bin/x': 'notexec' }).access), commandError(126, 'exec: "bin/x": permission denied'));
  });

  it('an empty command is 127', () => {
    assert.throws(() => checkCommand([], [], table({}).access), commandError(127, 'no command given and the image has none'));
    assert.throws(() => checkCommand([''], [], table({}).access), (e: unknown) => e instanceof CommandError && e.exitCode === 127);
  });

  it('with the real filesystem: a directory or a non-executable file is 126, an executable is fine', (t) => {
    const dir = tempDir(t);
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'data', { mode: 0o644 });
    checkCommand([process.execPath], []);
    assert.throws(() => checkCommand([dir], []), (e: unknown) => e instanceof CommandError && e.exitCode === 126);
    // (even root needs one x bit for access(X_OK))
    assert.throws(() => checkCommand([plain], []), (e: unknown) => e instanceof CommandError && e.exitCode === 126);
    assert.throws(() => checkCommand([path.join(dir, 'missing')], []), (e: unknown) => e instanceof CommandError && e.exitCode === 127);
    assert.throws(() => checkCommand(['plain'], [`PATH=${dir}`]), (e: unknown) => e instanceof CommandError && e.exitCode === 126);
    checkCommand([path.basename(process.execPath)], [`PATH=${dir}:${path.dirname(process.execPath)}`]);
  });
});


describe('launch: confinement mounts', () => {
  it('--privileged: /sys read-write, nothing masked or made read-only, the host\'s devices asked for', (t) => {
    const h = harness(t, { spec: { privileged: true } });
    launch(h.spec, h.deps);
    assert.equal(h.hostDeviceCalls.n, 1);
    const mounts = h.kernel.callsOf('mount');
    const sysfs = mounts.find((c) => c.args[2] === 'sysfs')!;
    assert.equal((sysfs.args[3] as number) & MS.RDONLY, 0);
    const targets = mounts.map((c) => c.args[1]);
    for (const p of [...MASKED_PATHS, ...READONLY_PATHS]) assert.ok(!targets.includes(p), `${p} was mounted over`);
  });

  it('--tmpfs, --device, then --read-only last, inside the new root', (t) => {
    const h = harness(t, {
      spec: {
        readOnlyRootfs: true,
        tmpfs: [{ path: path.join(tempDir(t, 'mydocker-tmpfs-'), 'run'), options: 'size=1m,exec' }],
        // Owned by whoever runs the test: without root, chown to another owner fails.
        devices: [{ hostPath: '/dev/loop7', containerPath: path.join(tempDir(t, 'mydocker-dev-'), 'xvdc'), type: 'b', major: 7, minor: 7, fileMode: 0o660, uid: process.getuid!(), gid: process.getgid!(), permissions: 'rw' }],
      },
    });
    launch(h.spec, h.deps);
    const calls = windowCalls(h.kernel);
    const tmpfs = calls.find((c) => c.call === 'mount' && c.args[1] === h.spec.tmpfs![0]!.path)!;
    assert.deepEqual(tmpfs.args, ['tmpfs', h.spec.tmpfs![0]!.path, 'tmpfs', MS.NOSUID | MS.NODEV, 'size=1m'], 'exec lifts the default noexec');
    assert.ok(fs.statSync(h.spec.tmpfs![0]!.path).isDirectory(), 'its mount point was made');
    const node = calls.find((c) => c.call === 'mknod')!;
    assert.ok(calls.filter((c) => c.call === 'mknod').some((c) => c.args[0] === h.spec.devices![0]!.containerPath && c.args[1] === (0o060000 | 0o660) && c.args[2] === 7 && c.args[3] === 7), `no block node: ${JSON.stringify(node)}`);
    const remount = calls.findIndex((c) => c.call === 'mount' && c.args[1] === '/' && ((c.args[3] as number) & MS.REMOUNT) !== 0);
    assert.ok(remount > 0, 'the root is remounted read-only');
    assert.equal(calls[remount]!.args[3], MS.BIND | MS.REMOUNT | MS.RDONLY);
    assert.equal(calls[remount + 1]!.call, 'setns', 'read-only is the last step inside');
  });

  it('looks the user up in the files of the root it is in, after pivot_root', (t) => {
    const h = harness(t, { spec: { user: '0:0' } });
    const launched = launch(h.spec, h.deps);
    // Without a real pivot_root, "the root it is in" is this host's: its root entry.
    assert.deepEqual({ ...launched.user, home: undefined }, { uid: 0, gid: 0, additionalGids: [0], home: undefined });
    const bad = harness(t, { spec: { user: 'no-such-user-here' } });
    assert.throws(() => launch(bad.spec, bad.deps), /unable to find user no-such-user-here/);
    assert.deepEqual(bad.child.kills, ['SIGKILL'], 'the waiting first process is killed');
    assertReturnedToHost(bad);
  });
});
