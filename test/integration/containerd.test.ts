// mydocker-runc under containerd, as a user of containerd sees it: `ctr run --runc-binary BIN`
// drives it through containerd's runc shim (containerd-shim-runc-v2). Each test has its own
// containerd namespace in one private containerd, and ends by checking that nothing of its
// containers is left. The runtime under test is MYDOCKER_RUNC_BINARY when set (e.g. /usr/sbin/runc,
// which validates these tests), else this build's dist/src/cli/runc/main.cjs.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { required, waitFor } from '../support/world.js';
import { containerdSkipReason, PrivateContainerd, type CtrNamespace } from '../support/containerd.js';
import { busyboxArchives, type BusyboxArchives, type ImageArchive } from '../support/containerd-image.js';
import { spawnInPty } from '../support/pty.js';

const BUILT_RUNTIME = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/runc/main.cjs');

/** Why the runtime under test cannot be run, or null. */
function runtimeSkipReason(): string | null {
  const chosen = process.env.MYDOCKER_RUNC_BINARY;
  if (chosen) {
    try {
      fs.accessSync(chosen, fs.constants.X_OK);
      return null;
    } catch {
      return `MYDOCKER_RUNC_BINARY=${chosen} is not an executable file`;
    }
  }
  return fs.existsSync(BUILT_RUNTIME) ? null : `mydocker-runc is not built (no ${BUILT_RUNTIME}; set MYDOCKER_RUNC_BINARY to test another runtime)`;
}

const skip = containerdSkipReason() ?? required(runtimeSkipReason()) ?? false;

/**
 * The runtime binary the shim will exec: MYDOCKER_RUNC_BINARY as it is, or a script that runs the
 * built main.cjs with this Node (the shim execs BinaryName directly, with containerd's PATH).
 */
function runtimeBinary(dir: string): string {
  if (process.env.MYDOCKER_RUNC_BINARY) return process.env.MYDOCKER_RUNC_BINARY;
  const wrapper = path.join(dir, 'mydocker-runc');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BUILT_RUNTIME)} "$@"\n`, { mode: 0o755 });
  return wrapper;
}

describe('containerd runs containers with the runtime (ctr --runc-binary)', { skip }, () => {
  let containerd: PrivateContainerd | undefined;
  let images: BusyboxArchives;
  let runtime: string;

  before(async () => {
    containerd = await PrivateContainerd.start('test');
    images = busyboxArchives(containerd.dir);
    runtime = runtimeBinary(containerd.dir);
  });
  after(() => containerd?.stop());

  /** A namespace of its own for one test, with one of the busybox images imported into it. */
  function namespaceFor(label: string, image: ImageArchive = images.plain): CtrNamespace {
    const ns = containerd!.namespace(label);
    const imported = ns.ctr(['images', 'import', image.file]);
    assert.equal(imported.status, 0, `ctr images import ${image.file}: ${imported.stderr}`);
    return ns;
  }

  /** `ctr run` with the runtime under test. (Never --no-pivot: ctr then drops --runc-binary.) */
  function ctrRun(ns: CtrNamespace, flags: string[], image: string, id: string, command: string[]): string[] {
    return ['run', ...flags, '--fifo-dir', ns.fifoDir, '--runc-binary', runtime, image, id, ...command];
  }

  async function assertNothingLeft(ns: CtrNamespace, ids: string[]): Promise<void> {
    assert.deepEqual(await ns.settledLeftovers(ids), [], `left after the containers were removed; containerd's log:\n${containerd!.log()}`);
  }

  test('ctr run --rm prints the command\'s output and exits 0', async () => {
    const ns = namespaceFor('echo');
    const r = ns.ctr(ctrRun(ns, ['--rm'], images.plain.ref, 'echo1', ['/bin/echo', 'hello']));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.status, 0);
    await assertNothingLeft(ns, ['echo1']);
  });

  test('the exit code of the container\'s process is ctr\'s, and its stderr reaches ctr\'s', async () => {
    const ns = namespaceFor('exit');
    const r = ns.ctr(ctrRun(ns, ['--rm'], images.plain.ref, 'exit1', ['sh', '-c', 'echo to-stderr >&2; exit 3']));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'to-stderr\n');
    assert.equal(r.status, 3);
    await assertNothingLeft(ns, ['exit1']);
  });

  test('a command that cannot start: ctr fails with the runtime\'s error, nothing is left', async () => {
    const ns = namespaceFor('missing');
    const r = ns.ctr(ctrRun(ns, ['--rm'], images.plain.ref, 'missing1', ['/no/such/program']));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\/no\/such\/program/, 'the runtime\'s message names the program');
    // ctr run --rm removes the container when its task could not be created.
    await assertNothingLeft(ns, ['missing1']);
  });

  test('the image\'s Env and WorkingDir reach the process', async () => {
    const ns = namespaceFor('config', images.configured);
    const r = ns.ctr(ctrRun(ns, ['--rm'], images.configured.ref, 'config1', ['sh', '-c', 'pwd; echo "$GREETING"; echo "$PATH"']));
    assert.equal(r.status, 0, r.stderr);
    const [name, value] = images.configured.env.split('=') as [string, string];
    assert.equal(r.stdout, `${images.configured.workingDir}\n${value}\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`, `cwd, ${name} and PATH`);
    await assertNothingLeft(ns, ['config1']);
  });

  test('ctr run -t: a terminal of the container through the console socket, window size, exit code', async (t) => {
    const ns = namespaceFor('tty');
    const session = spawnInPty('ctr', ns.ctrArgs(ctrRun(ns, ['--rm', '-t'], images.plain.ref, 'tty1', ['sh'])), { PATH: process.env.PATH, TERM: 'xterm' });
    t.after(() => session.close());
    await session.expect(/\/ # /);
    // ctr sets the window size once `start` returned, racing the shell (with any runtime: the faster
    // `start`, the likelier the shell's first command comes first): waited for, up to 5 s.
    session.type('tty; for i in $(seq 50); do [ "$(stty size 2>/dev/null)" = "24 80" ] && break; sleep 0.1; done; stty size; echo "pid=$$"\n');
    await session.expect(/^pid=\d+\r*$/m);
    const screen = session.screen();
    assert.match(screen, /^\/dev\/pts\/\d+\r*$/m, 'tty names a terminal');
    assert.match(screen, /^24 80\r*$/m, 'the window size of the user\'s terminal');
    assert.match(screen, /^pid=1\r*$/m);
    session.type('exit 4\n');
    assert.equal(await session.exit, 4);
    await assertNothingLeft(ns, ['tty1']);
  });

  test('ctr task exec -t: a terminal for a process joining a running task', async (t) => {
    const ns = namespaceFor('exectty');
    assert.equal(ns.ctr(ctrRun(ns, ['-d'], images.plain.ref, 'host1', ['sleep', '1000'])).status, 0);
    const session = spawnInPty('ctr', ns.ctrArgs(['task', 'exec', '-t', '--fifo-dir', ns.fifoDir, '--exec-id', 'sh1', 'host1', 'sh']), { PATH: process.env.PATH, TERM: 'xterm' });
    t.after(() => session.close());
    await session.expect(/\/ # /);
    session.type('tty; cat /proc/1/comm; echo "done"\n');
    await session.expect(/^done\r*$/m);
    assert.match(session.screen(), /^\/dev\/pts\/\d+\r*$/m, 'tty names a terminal');
    assert.match(session.screen(), /^sleep\r*$/m, 'the task\'s PID 1 is its sleep');
    session.type('exit 6\n');
    assert.equal(await session.exit, 6);
    assert.equal(ns.ctr(['task', 'rm', '-f', 'host1']).status, 0);
    assert.equal(ns.ctr(['containers', 'rm', 'host1']).status, 0);
    await assertNothingLeft(ns, ['host1']);
  });

  test('ctr run -d, task ps, task exec, pause and resume, kill -s SIGTERM, task rm, c rm', async () => {
    const ns = namespaceFor('detached');
    const started = ns.ctr(ctrRun(ns, ['-d'], images.plain.ref, 'bg1', ['sh', '-c', 'trap "exit 7" TERM; sleep 1000 & wait']));
    assert.equal(started.status, 0, started.stderr);
    assert.equal(ns.taskStatus('bg1'), 'RUNNING');
    const pid = ns.taskPid('bg1')!;
    assert.ok(pid > 0);

    // sh forks its sleep in its own time: task ps lists both once it has.
    const pids = await waitFor(() => {
      const ps = ns.ctr(['task', 'ps', 'bg1']);
      assert.equal(ps.status, 0, ps.stderr);
      const listed = ps.stdout.split('\n').slice(1).filter(Boolean).map((line) => Number(line.split(/\s+/)[0]));
      return listed.length === 2 && listed;
    }, 'task ps to list sh and its sleep');
    assert.ok(pids.includes(pid), `task ps lists the init ${pid}: ${pids}`);

    // The exec'd process sees the container's /proc (its PID 1 is the task's sh) and runs as root.
    const exec = ns.ctr(['task', 'exec', '--fifo-dir', ns.fifoDir, '--exec-id', 'e1', 'bg1', 'sh', '-c', 'echo "$(cat /proc/1/comm) $(id -u)"; exit 5']);
    assert.equal(exec.stdout, 'sh 0\n');
    assert.equal(exec.status, 5, exec.stderr);

    assert.equal(ns.ctr(['task', 'pause', 'bg1']).status, 0);
    assert.equal(ns.taskStatus('bg1'), 'PAUSED');
    assert.equal(frozen(pid), true, 'the task\'s cgroup is frozen');
    assert.equal(ns.ctr(['task', 'resume', 'bg1']).status, 0);
    assert.equal(ns.taskStatus('bg1'), 'RUNNING');
    assert.equal(frozen(pid), false, 'the task\'s cgroup is thawed');

    const killed = ns.ctr(['task', 'kill', '-s', 'SIGTERM', 'bg1']);
    assert.equal(killed.status, 0, killed.stderr);
    await waitForStatus(ns, 'bg1', 'STOPPED');
    const removed = ns.ctr(['task', 'rm', 'bg1']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stderr, /exit code 7\b/, 'the trap\'s exit code');
    assert.equal(ns.ctr(['containers', 'rm', 'bg1']).status, 0);
    await assertNothingLeft(ns, ['bg1']);
  });

  test('task rm -f ends a running task and its exec, c rm removes the container', async (t) => {
    const ns = namespaceFor('force');
    assert.equal(ns.ctr(ctrRun(ns, ['-d'], images.plain.ref, 'bg2', ['sleep', '1000'])).status, 0);
    // An attached exec, as a user's second terminal would hold it (`exec -d` would leave ctr's own fifos).
    const exec = spawn('ctr', ns.ctrArgs(['task', 'exec', '--fifo-dir', ns.fifoDir, '--exec-id', 'e2', 'bg2', 'sleep', '999']), { stdio: 'ignore', env: { PATH: process.env.PATH } });
    t.after(() => exec.kill('SIGKILL'));
    const execEnd = new Promise<number | null>((resolve) => exec.on('exit', (code) => resolve(code)));
    await waitFor(() => ns.ctr(['task', 'ps', 'bg2']).stdout.trim().split('\n').length === 3, 'task ps to list the init and the exec');
    const removed = ns.ctr(['task', 'rm', '-f', 'bg2']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(ns.taskStatus('bg2'), null);
    assert.equal(await execEnd, 137, 'the exec was killed with the task');
    assert.equal(ns.ctr(['containers', 'rm', 'bg2']).status, 0);
    await assertNothingLeft(ns, ['bg2']);
  });

  test('the task\'s first process is in the cgroup containerd asked for', async () => {
    const ns = namespaceFor('cgroup');
    assert.equal(ns.ctr(ctrRun(ns, ['-d'], images.plain.ref, 'cg1', ['sleep', '1000'])).status, 0);
    const info = JSON.parse(ns.ctr(['containers', 'info', 'cg1']).stdout);
    const wanted = info.Spec.linux.cgroupsPath as string;
    assert.equal(wanted, `/${ns.name}/cg1`, 'ctr\'s default cgroupsPath');
    const lines = fs.readFileSync(`/proc/${ns.taskPid('cg1')}/cgroup`, 'utf8').split('\n').filter(Boolean);
    // cgroup v1: each resource controller's line; pure v2: the one unified line. (A hybrid host's
    // unified and name=systemd lines are not resources the spec's cgroupsPath is about.)
    const unified = lines.length === 1;
    const relevant = lines.filter((line) => (unified ? line.startsWith('0::') : /^\d+:[a-z_,]+:/.test(line)));
    assert.ok(relevant.length > 0, lines.join('\n'));
    for (const line of relevant) assert.equal(line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1), wanted, line);
    assert.equal(ns.ctr(['task', 'rm', '-f', 'cg1']).status, 0);
    assert.equal(ns.ctr(['containers', 'rm', 'cg1']).status, 0);
    await assertNothingLeft(ns, ['cg1']);
  });
});

/** Waits until `ctr task ls` shows the task in `status` (the task ends in its own time). */
async function waitForStatus(ns: CtrNamespace, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (ns.taskStatus(id) !== status) {
    if (Date.now() > deadline) throw new Error(`task ${id} never reached ${status} (it is ${ns.taskStatus(id)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether the freezer of a process's cgroup holds it (cgroup v1 freezer.state, or v2 cgroup.freeze). */
function frozen(pid: number): boolean {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((line) => /^\d+:([^:]*,)?freezer(,[^:]*)?:/.test(line));
  const group = (line: string): string => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  if (v1 !== undefined) {
    const mount = cgroupMountOf((options) => options.split(',').includes('freezer'));
    return fs.readFileSync(path.join(mount, group(v1), 'freezer.state'), 'utf8').trim() !== 'THAWED';
  }
  const unified = lines.find((line) => line.startsWith('0::'))!;
  return fs.readFileSync(path.join(cgroupMountOf(null), group(unified), 'cgroup.freeze'), 'utf8').trim() === '1';
}

/** The mount point of the v1 hierarchy whose options `match`, or of cgroup v2 (`null`). */
function cgroupMountOf(match: ((superOptions: string) => boolean) | null): string {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [fields, tail] = line.split(' - ');
    if (!fields || !tail) continue;
    const [type, , superOptions] = tail.split(' ');
    if (match === null ? type === 'cgroup2' : type === 'cgroup' && match(superOptions ?? '')) return fields.split(' ')[4]!;
  }
  throw new Error('no such cgroup hierarchy is mounted');
}
