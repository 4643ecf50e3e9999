// `mydocker-runc`, the OCI runtime executable, called the way containerd's runc shim calls it (see
// /work/shared/notes/oci-runtime.md): every rule of that contract that breaks containerd when wrong.
// Root, real containers; each test removes its containers (delete --force) and its cgroups.
import { after, describe, it, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { cgroupMounts, integrationSkipReason, waitFor } from '../support/world.js';
import { RUNC, ctrConfig, lastLoggedError, makeBundle, mountsBelow, runc, runcCreate, writeConfig } from '../support/oci-bundle.js';
import { World } from '../support/world.js';
import { pausedAt } from '../support/pause.js';

const skip = integrationSkipReason();

interface Oci {
  world: World;
  root: string;
  bundle(name: string, args: string[], edit?: (config: Record<string, any>) => void): { dir: string; id: string; cgroupsPath: string };
  state(dir: string, id: string): { status: string; pid: number };
}

/**
 * A world, an OCI root inside it, and bundles whose containers are deleted (--force) after the test,
 * newest first; then the test fails if a cgroup directory its containers could have made is left:
 * their groups, and the levels above them that did not exist when the bundle was made.
 */
function ociWorld(t: TestContext, label: string): Oci {
  // The containers go before the world (its cgroup parent, its directory).
  const world = new World(label);
  const root = path.join(world.root, 'oci-state');
  const made: Array<{ dir: string; id: string }> = [];
  const watched = new Set<string>();
  t.after(() => {
    let left: string[] = [];
    try {
      for (const { dir, id } of [...made].reverse()) {
        try {
          runc(root, dir, ['delete', '--force', id]);
        } catch {
          // what it should have removed is killed below
        }
      }
      left = leftCgroups(watched);
    } finally {
      // A container process names no path of the world in its command line (mydocker-init, or the
      // program): found by its cgroup, below the world's own parent.
      for (const group of world.cgroups()) {
        try {
          for (const pid of fs.readFileSync(path.join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
      world.cleanup();
      // What the containers left (outside the world's parent too: a relative cgroupsPath is below
      // mydocker's), deepest first: the host as it was.
      for (const dir of [...left].sort().reverse()) {
        try {
          fs.rmdirSync(dir);
        } catch {
          // gone, or not empty: not ours
        }
      }
    }
    assert.deepEqual(left, [], 'cgroup directories left behind by the test\'s containers');
  });
  return {
    world,
    root,
    bundle(name, args, edit) {
      const dir = path.join(world.root, 'bundles', name);
      const id = `${label}-${name}`;
      const cgroupsPath = `/${world.cgroupParent}/${id}`;
      const config = ctrConfig(args, cgroupsPath);
      edit?.(config);
      makeBundle(dir, config);
      made.push({ dir, id });
      for (const group of cgroupDirsOf(config.linux?.cgroupsPath)) watched.add(group);
      return { dir, id, cgroupsPath };
    },
    state(dir, id) {
      const result = runc(root, dir, ['state', id]);
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as { status: string; pid: number };
    },
  };
}

/**
 * In every hierarchy, a cgroupsPath's group (absolute from the hierarchy's root, or relative to
 * mydocker's default parent) and the levels above it that do not exist now.
 */
function cgroupDirsOf(cgroupsPath: unknown): string[] {
  if (typeof cgroupsPath !== 'string' || cgroupsPath === '') return [];
  const parts = (cgroupsPath.startsWith('/') ? cgroupsPath : `mydocker/${cgroupsPath}`).split('/').filter(Boolean);
  const found: string[] = [];
  for (const mount of cgroupMounts()) {
    const levels = parts.map((_, i) => path.join(mount, ...parts.slice(0, i + 1)));
    found.push(...levels.slice(0, -1).filter((level) => !fs.existsSync(level)), levels.at(-1)!);
  }
  return found;
}

/**
 * Those of `dirs` that are left empty (a level holding groups holds another's container: mydocker's
 * default parent is shared with every `mydocker run`; a leaked group holds none).
 */
function leftCgroups(dirs: ReadonlySet<string>): string[] {
  return [...dirs].filter((dir) => {
    try {
      return !fs.readdirSync(dir, { withFileTypes: true }).some((entry) => entry.isDirectory());
    } catch {
      return false; // gone
    }
  });
}

/** The host directory of a process's group in the memory hierarchy (v1) or the unified one. */
function cgroupOf(pid: number): string {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const line = lines.find((l) => /^\d+:memory:/.test(l)) ?? lines.find((l) => l.startsWith('0::'))!;
  return line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
}

function memoryGroupDir(cgroupsPath: string): string {
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const v1 = mountinfo.find((l) => / - cgroup /.test(l) && /[ ,]memory(,|$)/.test(l.split(' - ')[1]!.split(' ')[2]!));
  const mount = (v1 ?? mountinfo.find((l) => / - cgroup2 /.test(l))!).split(' ')[4]!;
  return path.join(mount, cgroupsPath);
}

function readComm(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function isChildOf(pid: string, parent: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(parent);
  } catch {
    return false;
  }
}

describe('mydocker-runc: the OCI runtime command line', { skip: skip ?? false }, () => {
  after(() => {
    // Nothing of ours in the default root: every test gives --root.
    assert.equal(fs.existsSync('/run/mydocker-runc/oci-life-main'), false);
  });

  it('create leaves the first process waiting, parented by no mydocker process, in its cgroupsPath; start releases it; its stdio are the pipes create had; delete leaves nothing', async (t) => {
    const oci = ociWorld(t, 'oci-life');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sh', '-c', 'read line; echo "got $line"; echo oops >&2; hostname; exec ls /proc/self/fd']);

    // containerd's shim leaks its listening socket into create as fd 3 (not close-on-exec).
    const leakPath = path.join(oci.world.root, 'leak.sock');
    const server = net.createServer().listen(leakPath);
    await new Promise((resolve) => server.once('listening', resolve));
    t.after(() => server.close());
    const leakFd = (server as unknown as { _handle: { fd: number } })._handle.fd;

    const create = spawn(process.execPath, [RUNC, '--root', oci.root, '--log', path.join(dir, 'log.json'), '--log-format', 'json', 'create', '--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe', leakFd],
    });
    // Written now: Node closes its end of a child's stdin when the child (create) exits.
    create.stdin!.end('ping\n');
    let stdout = '';
    let stderr = '';
    create.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    create.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const outputClosed = new Promise((resolve) => create.stdout!.once('close', resolve));
    const code = await new Promise<number | null>((resolve) => create.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, `create failed: ${stderr} ${lastLoggedError(dir)}`);

    // The pid file: decimal digits, no newline, there when create has exited.
    const pidText = fs.readFileSync(path.join(dir, 'init.pid'), 'utf8');
    assert.match(pidText, /^\d+$/);
    const pid = Number(pidText);
    // Reparented: create is gone, and no mydocker process took its place.
    const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    assert.notEqual(ppid, create.pid);
    const parentCmdline = fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
    assert.doesNotMatch(parentCmdline, /mydocker/, `the first process's parent is ${parentCmdline}`);
    assert.equal(cgroupOf(pid), cgroupsPath, 'the first process is in linux.cgroupsPath (the shim reads it there)');
    assert.deepEqual(oci.state(dir, id), { ...oci.state(dir, id), status: 'created', pid });

    const start = runc(oci.root, dir, ['start', id]);
    assert.equal(start.status, 0, start.stderr);
    await outputClosed;
    // Only 0-2 reach the program (3 is ls's own directory): not the leaked socket.
    assert.equal(stdout, 'got ping\noci-test\n0\n1\n2\n3\n');
    assert.equal(stderr, 'oops\n');
    await waitFor(() => oci.state(dir, id).status === 'stopped', 'the container to stop');

    const kill = runc(oci.root, dir, ['kill', id, '15']);
    assert.equal(kill.status, 1);
    assert.equal(lastLoggedError(dir), 'container not running');
    assert.equal(runc(oci.root, dir, ['kill', '--all', id, '9']).status, 0, 'kill --all of a stopped container is fine');

    const del = runc(oci.root, dir, ['delete', id]);
    assert.equal(del.status, 0, del.stderr);
    assert.equal(fs.existsSync(path.join(oci.root, id)), false, 'its state directory');
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false, 'its cgroup');
    assert.deepEqual(mountsBelow(dir), []);
    const again = runc(oci.root, dir, ['delete', id]);
    assert.equal(again.status, 1);
    assert.match(lastLoggedError(dir)!, /does not exist/);
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0, 'delete --force of an unknown container');
  });

  it('--preserve-fds N: the caller\'s fds 3…3+N-1 reach the program at the same numbers, and nothing else', async (t) => {
    const oci = ociWorld(t, 'oci-fds');
    const { dir, id } = oci.bundle('main', ['sh', '-c', 'echo to-three >&3; echo to-four >&4; exec ls /proc/self/fd']);
    const three = fs.openSync(path.join(dir, 'three.txt'), 'w');
    const four = fs.openSync(path.join(dir, 'four.txt'), 'w');
    const out = fs.openSync(path.join(dir, 'out.txt'), 'w');
    const create = spawnSync(process.execPath, [RUNC, '--root', oci.root, '--log', path.join(dir, 'log.json'), '--log-format', 'json', 'create', '--bundle', dir, '--preserve-fds', '2', id], {
      cwd: dir,
      stdio: ['ignore', out, out, three, four],
      timeout: 60_000,
    });
    for (const fd of [three, four, out]) fs.closeSync(fd);
    assert.equal(create.status, 0, lastLoggedError(dir) ?? '');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    await waitFor(() => oci.state(dir, id).status === 'stopped', 'the container to stop');
    assert.equal(fs.readFileSync(path.join(dir, 'three.txt'), 'utf8'), 'to-three\n');
    assert.equal(fs.readFileSync(path.join(dir, 'four.txt'), 'utf8'), 'to-four\n');
    assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), '0\n1\n2\n3\n4\n5\n', '0-2, the two preserved, and ls\'s own directory');
    assert.equal(runc(oci.root, dir, ['delete', id]).status, 0);
  });

  it('run: create and start attached, with the exit code of the container; nothing left', (t) => {
    const oci = ociWorld(t, 'oci-run');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sh', '-c', 'echo "pid $$ in $(cat /proc/self/cgroup | grep -c :)"; exit 3']);
    const result = runc(oci.root, dir, ['run', '--bundle', dir, id]);
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stdout, /^pid 1 in \d+\n$/, 'the program is PID 1 of its own PID namespace');
    assert.equal(fs.existsSync(path.join(oci.root, id)), false);
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false);
  });

  it('a running container: state running, kill by name, delete refused without --force, delete --force removes it all', async (t) => {
    const oci = ociWorld(t, 'oci-kill');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sleep', '1000']);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    assert.equal(oci.state(dir, id).status, 'running');
    const start = runc(oci.root, dir, ['start', id]);
    assert.equal(start.status, 1, 'start of a running container');
    const refused = runc(oci.root, dir, ['delete', id]);
    assert.equal(refused.status, 1);
    assert.match(lastLoggedError(dir)!, /not stopped: running/);
    assert.equal(runc(oci.root, dir, ['kill', id, 'SIGKILL']).status, 0);
    await waitFor(() => oci.state(dir, id).status === 'stopped', 'the container to stop');
    assert.equal(runc(oci.root, dir, ['delete', id]).status, 0);

    // Again, removed while running.
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 0);
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    const pid = oci.state(dir, id).pid;
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0);
    await waitFor(() => !fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), 'the program to be gone');
    assert.equal(fs.existsSync(path.join(oci.root, id)), false);
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false);
  });

  it('a config whose device rules deny everything (runtime-tools\' generator): /dev/null stays usable, and a TERM the program traps reaches it', async (t) => {
    const oci = ociWorld(t, 'oci-sig');
    // As runtime-tools' killsig: a shell backgrounding a job opens /dev/null for its stdin.
    const { dir, id } = oci.bundle('main', ['sh', '-c', "trap 'touch /TERM' TERM; sleep 100 & wait $!"], (c) => {
      c.linux.resources.devices = [{ allow: false, access: 'rwm' }];
    });
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    await waitFor(() => oci.state(dir, id).status === 'running', 'the container to run');
    // The trap is set once the shell has started its job.
    await waitFor(() => fs.readFileSync(path.join(dir, 'container.out'), 'utf8') !== '' || fs.readdirSync('/proc').some((p) => /^\d+$/.test(p) && readComm(p) === 'sleep' && isChildOf(p, oci.state(dir, id).pid)), 'the shell to start its job');
    assert.equal(runc(oci.root, dir, ['kill', id, 'TERM']).status, 0, lastLoggedError(dir) ?? '');
    await waitFor(() => oci.state(dir, id).status === 'stopped', 'the container to stop');
    assert.equal(fs.readFileSync(path.join(dir, 'container.out'), 'utf8'), '', 'nothing on its stderr (no "can\'t open /dev/null")');
    assert.ok(fs.existsSync(path.join(dir, 'rootfs/TERM')), 'the trap ran');
  });

  it('a created container never started is deleted with its waiting process', (t) => {
    const oci = ociWorld(t, 'oci-never');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['true']);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id]).status, 0, lastLoggedError(dir) ?? '');
    const pid = Number(fs.readFileSync(path.join(dir, 'init.pid'), 'utf8'));
    assert.equal(runc(oci.root, dir, ['delete', id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), false);
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false);
  });

  it('errors: one line in the json log and on stderr, exit 1, nothing left behind', (t) => {
    const oci = ociWorld(t, 'oci-err');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['/no/such/program']);
    const missing = runcCreate(oci.root, dir, ['--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id]);
    assert.equal(missing.status, 1);
    assert.match(lastLoggedError(dir)!, /exec: "\/no\/such\/program": no such file or directory/);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.equal(fs.existsSync(path.join(oci.root, id)), false);
    assert.equal(fs.existsSync(path.join(dir, 'init.pid')), false);
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false);

    writeConfig(dir, { ...ctrConfig(['true'], cgroupsPath), linux: { ...ctrConfig(['true'], cgroupsPath).linux, uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] } });
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 1);
    assert.match(lastLoggedError(dir)!, /linux\.uidMappings is set, but linux\.namespaces has no user namespace to apply it to/);
    writeConfig(dir, { ...ctrConfig(['true'], cgroupsPath), linux: { ...ctrConfig(['true'], cgroupsPath).linux, namespaces: [{ type: 'mount' }, { type: 'time' }] } });
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 1);
    assert.match(lastLoggedError(dir)!, /mydocker has no time namespaces yet/);

    assert.equal(runc(oci.root, dir, ['--systemd-cgroup', 'create', '--bundle', dir, id]).status, 1);
    assert.match(lastLoggedError(dir)!, /--systemd-cgroup is not supported/);
    assert.equal(runc(oci.root, dir, ['start', 'nothing-here']).status, 1);
    assert.match(lastLoggedError(dir)!, /container "nothing-here" does not exist/);
    assert.equal(fs.existsSync(path.join(oci.root, id)), false);
  });

  for (const userns of [false, true]) {
  it(`--console-socket: the pty master from the container's devpts arrives as one SCM_RIGHTS message, and the program has it as its terminal${userns ? ' (in a user namespace: the terminal is its root\'s)' : ''}`, { skip: spawnSync('python3', ['-c', 'import socket; socket.recv_fds']).status === 0 ? false : 'python3 >= 3.9 is needed to receive the descriptor' }, async (t) => {
    const oci = ociWorld(t, userns ? 'oci-tty-userns' : 'oci-tty');
    const { dir, id } = oci.bundle('main', ['sh', '-c', 'tty; echo term=$TERM; echo on-console > /dev/console'], (c) => {
      c.process.terminal = true;
      c.process.env.push('TERM=xterm');
      if (userns) {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      }
    });
    const socketPath = path.join(oci.world.root, 'console.sock');
    // The peer accepts only after create has returned (as containerd's shim does), then prints the
    // name sent with the descriptor, and what the terminal shows once the container runs.
    const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => receiver.kill());
    let received = '';
    receiver.stdout!.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await waitFor(() => fs.existsSync(socketPath), 'the console socket');
    const create = runcCreate(oci.root, dir, ['--bundle', dir, '--console-socket', socketPath, '--pid-file', path.join(dir, 'init.pid'), id]);
    assert.equal(create.status, 0, lastLoggedError(dir) ?? create.stderr);
    receiver.stdin!.write('accept\n');
    await waitFor(() => received.includes('name='), 'the descriptor');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    await new Promise((resolve) => receiver.once('exit', resolve));
    assert.match(received, /^name=\/dev\/ptmx fds=1\n/);
    assert.match(received, /\/dev\/pts\/0\r?\n/);
    assert.match(received, /term=xterm/);
    assert.match(received, /on-console/, '/dev/console is the terminal too');
  });
  }

  it('exec: attached with its exit code, in the container\'s cgroup; --detach --process --pid-file leaves it with no mydocker parent; ps --format json prints only the pids', async (t) => {
    const oci = ociWorld(t, 'oci-exec');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sleep', '1000']);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    const attached = runc(oci.root, dir, ['exec', '--env', 'GREETING=hi', id, 'sh', '-c', 'echo "$GREETING from $(hostname)"; exit 5']);
    assert.equal(attached.status, 5, attached.stderr);
    assert.equal(attached.stdout, 'hi from oci-test\n');

    const processFile = path.join(oci.world.root, 'process.json');
    fs.writeFileSync(processFile, JSON.stringify({ args: ['sleep', '500'], env: ['PATH=/bin'], cwd: '/tmp', user: { uid: 0, gid: 0 }, terminal: false }));
    const out = fs.openSync(path.join(dir, 'exec.out'), 'w');
    const detached = spawnSync(process.execPath, [RUNC, '--root', oci.root, '--log', path.join(dir, 'log.json'), '--log-format', 'json', 'exec', '--process', processFile, '--detach', '--pid-file', path.join(dir, 'e1.pid'), id], { cwd: dir, stdio: ['ignore', out, out], timeout: 60_000 });
    fs.closeSync(out);
    assert.equal(detached.status, 0, lastLoggedError(dir) ?? '');
    const execPid = fs.readFileSync(path.join(dir, 'e1.pid'), 'utf8');
    assert.match(execPid, /^\d+$/);
    const ppid = Number(fs.readFileSync(`/proc/${execPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    assert.doesNotMatch(fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8'), /mydocker/);
    assert.equal(cgroupOf(Number(execPid)), cgroupsPath);
    assert.equal(fs.readlinkSync(`/proc/${execPid}/cwd`), '/tmp', 'its cwd, as the container sees it');

    const ps = runc(oci.root, dir, ['ps', '--format', 'json', id]);
    assert.equal(ps.status, 0);
    assert.equal(ps.stderr, '');
    assert.deepEqual(JSON.parse(ps.stdout), [oci.state(dir, id).pid, Number(execPid)]);
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0);
    await waitFor(() => !fs.existsSync(`/proc/${execPid}`) || fs.readFileSync(`/proc/${execPid}/stat`, 'utf8').includes(') Z'), 'the exec\'d process to be gone');
  });

  it('exec -t: the exec\'d process\'s pty master goes to the console socket; a console socket that cannot be reached fails the exec and leaves no process', { skip: spawnSync('python3', ['-c', 'import socket; socket.recv_fds']).status === 0 ? false : 'python3 >= 3.9 is needed to receive the descriptor' }, async (t) => {
    const oci = ociWorld(t, 'oci-exect');
    const { dir, id } = oci.bundle('main', ['sleep', '1000']);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    const processFile = path.join(oci.world.root, 'process.json');
    fs.writeFileSync(processFile, JSON.stringify({ args: ['sh', '-c', 'tty; echo exec-tty'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 }, terminal: true }));

    const missing = runc(oci.root, dir, ['exec', '--process', processFile, '--detach', '--console-socket', path.join(oci.world.root, 'nobody.sock'), id]);
    assert.equal(missing.status, 1);
    assert.match(lastLoggedError(dir)!, /connect\(.*nobody\.sock\) failed: ENOENT/);
    // A process the caller will never hear of (its pid file could not be written) does not run on.
    const longFile = path.join(oci.world.root, 'long.json');
    fs.writeFileSync(longFile, JSON.stringify({ args: ['sleep', '1000'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 }, terminal: false }));
    const noPidFile = runc(oci.root, dir, ['exec', '--process', longFile, '--detach', '--pid-file', path.join(oci.world.root, 'no/such/dir/e.pid'), id]);
    assert.equal(noPidFile.status, 1);
    await waitFor(() => JSON.parse(runc(oci.root, dir, ['ps', '--format', 'json', id]).stdout).length === 1, 'only the first process to be left');
    assert.deepEqual(JSON.parse(runc(oci.root, dir, ['ps', '--format', 'json', id]).stdout), [oci.state(dir, id).pid]);

    const socketPath = path.join(oci.world.root, 'console.sock');
    const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => receiver.kill());
    let received = '';
    receiver.stdout!.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await waitFor(() => fs.existsSync(socketPath), 'the console socket');
    const exec = runc(oci.root, dir, ['exec', '--process', processFile, '--detach', '--console-socket', socketPath, '--pid-file', path.join(dir, 'e.pid'), id]);
    assert.equal(exec.status, 0, lastLoggedError(dir) ?? exec.stderr);
    receiver.stdin!.write('accept\n');
    await new Promise((resolve) => receiver.once('exit', resolve));
    assert.match(received, /^name=\/dev\/ptmx fds=1\n/);
    assert.match(received, /\/dev\/pts\/\d+\r?\nexec-tty/);
  });

  it('pause and resume (the freezer), update of the limits, list; delete --force of a paused container removes its freezer group too', async (t) => {
    const oci = ociWorld(t, 'oci-pause');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sleep', '1000']);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    const pid = oci.state(dir, id).pid;
    assert.equal(runc(oci.root, dir, ['pause', id]).status, 0, lastLoggedError(dir) ?? '');
    assert.equal(oci.state(dir, id).status, 'paused');
    assert.match(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!, /^D /, 'frozen');
    assert.equal(runc(oci.root, dir, ['resume', id]).status, 0);
    assert.equal(oci.state(dir, id).status, 'running');
    assert.equal(runc(oci.root, dir, ['resume', id]).status, 1, 'resume of a running container');

    const update = runc(oci.root, dir, ['update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 64 * 1024 * 1024 } }) });
    assert.equal(update.status, 0, lastLoggedError(dir) ?? '');
    const limitFile = ['memory.limit_in_bytes', 'memory.max'].map((f) => path.join(memoryGroupDir(cgroupsPath), f)).find((f) => fs.existsSync(f))!;
    assert.equal(fs.readFileSync(limitFile, 'utf8').trim(), String(64 * 1024 * 1024));

    const list = runc(oci.root, dir, ['list', '--format', 'json']);
    assert.deepEqual(JSON.parse(list.stdout).map((s: { id: string; status: string }) => [s.id, s.status]), [[id, 'running']]);
    assert.equal(runc(oci.root, dir, ['list', '-q']).stdout, `${id}\n`);

    assert.equal(runc(oci.root, dir, ['pause', id]).status, 0);
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0, lastLoggedError(dir) ?? '');
    const freezer = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup /.test(l) && l.split(' - ')[1]!.split(' ')[2]!.split(',').includes('freezer'));
    if (freezer !== undefined) assert.equal(fs.existsSync(path.join(freezer.split(' ')[4]!, cgroupsPath)), false, 'the freezer group pause made');
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false);
  });

  it('OCI hooks: createRuntime, poststart and poststop run on the host at their moments with the state on stdin; a failing createRuntime fails the create and leaves nothing', async (t) => {
    const oci = ociWorld(t, 'oci-hooks');
    const hook = (file: string) => ({ path: '/bin/sh', args: ['sh', '-c', `/bin/cat > ${file}`] });
    let dirOf = '';
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sleep', '1000'], (c) => {
      dirOf = path.join(oci.world.root, 'bundles', 'main');
      c.hooks = { createRuntime: [hook(path.join(dirOf, 'created.json'))], poststart: [hook(path.join(dirOf, 'started.json'))], poststop: [hook(path.join(dirOf, 'stopped.json'))] };
    });
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id]).status, 0, lastLoggedError(dir) ?? '');
    const pid = Number(fs.readFileSync(path.join(dir, 'init.pid'), 'utf8'));
    const created = JSON.parse(fs.readFileSync(path.join(dir, 'created.json'), 'utf8'));
    assert.deepEqual([created.id, created.status, created.pid, created.bundle], [id, 'creating', pid, dir]);
    assert.equal(fs.existsSync(path.join(dir, 'started.json')), false);
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'started.json'), 'utf8')).status, 'running');
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'stopped.json'), 'utf8')).status, 'stopped');

    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    config.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo refused by the hook >&2; exit 2'] }] };
    writeConfig(dir, config);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 1);
    assert.match(lastLoggedError(dir)!, /createRuntime hook \/bin\/sh failed \(exit status 2\): refused by the hook/);
    assert.equal(fs.existsSync(path.join(oci.root, id)), false);
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false);
  });

  it('the config applied: user and groups, rlimits, no_new_privs, capabilities, seccomp, read-only root, bind mounts with options, masked and read-only paths, sysctls', (t) => {
    const oci = ociWorld(t, 'oci-probe');
    const shared = path.join(oci.world.root, 'shared');
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(shared, 'note'), 'from the host\n');
    const script = [
      'grep -E "^(Uid|Gid|Groups|CapEff|NoNewPrivs|Seccomp):" /proc/self/status',
      'echo "nofile $(ulimit -n)"',
      'mkdir /run/x 2>/dev/null; echo "mkdir $?"',
      'touch /probe 2>/dev/null; echo "root-write $?"',
      'cat /data/note; echo x 2>/dev/null > /data/new; echo "bind-write $?"',
      'echo "keys [$(cat /proc/keys)]"',
      'echo 1 2>/dev/null > /proc/sys/net/ipv4/ip_forward; echo "proc-sys-write $?"',
      'echo "forward $(cat /proc/sys/net/ipv4/ip_forward)"',
    ].join('; ');
    const { dir, id } = oci.bundle('main', ['sh', '-c', script], (c) => {
      c.process.user = { uid: 0, gid: 0, additionalGids: [5, 10] };
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 300, hard: 400 }];
      c.process.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] };
      c.root.readonly = true;
      c.mounts.push({ destination: '/data', type: 'bind', source: shared, options: ['rbind', 'ro', 'nosuid'] });
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
    });
    const hostForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const result = runc(oci.root, dir, ['run', '--bundle', dir, id]);
    assert.equal(result.status, 0, lastLoggedError(dir) ?? result.stderr);
    assert.equal(
      result.stdout,
      [
        'Uid:\t0\t0\t0\t0',
        'Gid:\t0\t0\t0\t0',
        'Groups:\t5 10 ',
        'CapEff:\t0000000000000021',
        'NoNewPrivs:\t1',
        'Seccomp:\t2',
        'nofile 300',
        'mkdir 1',
        'root-write 1',
        'from the host',
        'bind-write 1',
        'keys []',
        'proc-sys-write 1',
        'forward 1',
        '',
      ].join('\n'),
    );
    assert.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward, 'the sysctl was the container\'s own network namespace\'s');
    assert.equal(fs.existsSync(path.join(shared, 'new')), false);
  });

  it('the mounts appear in the container\'s mount table in the config\'s order, proc (of the container\'s PID namespace) first as listed; the umask is the config\'s', (t) => {
    const oci = ociWorld(t, 'oci-order');
    const { dir, id } = oci.bundle('main', ['sh', '-c', 'cat /proc/self/mountinfo; echo "pid1 $(cat /proc/1/comm)"; echo "umask $(umask)"'], (c) => {
      c.process.user.umask = 0o27;
    });
    const result = runc(oci.root, dir, ['run', '--bundle', dir, id]);
    assert.equal(result.status, 0, lastLoggedError(dir) ?? result.stderr);
    const lines = result.stdout.trim().split('\n');
    const mountPoints = lines.filter((l) => l.includes(' - ')).map((l) => l.split(' ')[4]!);
    const listed = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/run'];
    const at = listed.map((m) => mountPoints.indexOf(m));
    assert.ok(at.every((i) => i >= 0), `all listed mounts are there: ${mountPoints.join(' ')}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at, `in the config's order: ${mountPoints.join(' ')}`);
    assert.ok(lines.includes('pid1 sh'), 'its /proc is its own PID namespace\'s');
    assert.ok(lines.includes('umask 0027'), result.stdout);
  });

  it('rootfsPropagation: shared makes the root a peer group of the container\'s own (nothing reaches the host); unbindable refuses a bind of /', (t) => {
    const oci = ociWorld(t, 'oci-prop');
    // A copy of / (rbind), then a new mount under /: a shared root propagates it into the copy.
    const probe = 'mkdir /t /m /s && touch /s/f && mount -o rbind / /t && mount -o bind /s /m; test -e /t/m/f && echo exposed || echo hidden';
    const withCaps = (c: Record<string, any>, propagation: string) => {
      c.linux.rootfsPropagation = propagation;
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_SYS_ADMIN');
    };
    const shared = oci.bundle('shared', ['sh', '-c', probe], (c) => withCaps(c, 'shared'));
    const sharedRun = runc(oci.root, shared.dir, ['run', '--bundle', shared.dir, shared.id]);
    assert.equal(sharedRun.status, 0, lastLoggedError(shared.dir) ?? sharedRun.stderr);
    assert.equal(sharedRun.stdout.trim(), 'exposed');
    const priv = oci.bundle('private', ['sh', '-c', probe], (c) => withCaps(c, 'private'));
    const privRun = runc(oci.root, priv.dir, ['run', '--bundle', priv.dir, priv.id]);
    assert.equal(privRun.status, 0, lastLoggedError(priv.dir) ?? privRun.stderr);
    assert.equal(privRun.stdout.trim(), 'hidden', 'the same probe with a private root: the copy does not see it');
    const unbindable = oci.bundle('unbindable', ['sh', '-c', 'mkdir /t && mount -o rbind / /t 2>/dev/null && echo bound || echo refused'], (c) => withCaps(c, 'unbindable'));
    const unbindableRun = runc(oci.root, unbindable.dir, ['run', '--bundle', unbindable.dir, unbindable.id]);
    assert.equal(unbindableRun.status, 0, lastLoggedError(unbindable.dir) ?? unbindableRun.stderr);
    assert.equal(unbindableRun.stdout.trim(), 'refused');
    assert.deepEqual(mountsBelow(oci.world.root), [], 'no mount of the containers reached the host');
  });

  it('a hostname with a UTS namespace joined by path is set in it (a pod\'s); the host\'s own UTS namespace is refused', async (t) => {
    const oci = ociWorld(t, 'oci-uts');
    const sandbox = oci.bundle('pause', ['sleep', '1000']);
    assert.equal(runcCreate(oci.root, sandbox.dir, ['--bundle', sandbox.dir, sandbox.id]).status, 0, lastLoggedError(sandbox.dir) ?? '');
    const pausePid = oci.state(sandbox.dir, sandbox.id).pid;
    const member = oci.bundle('app', ['hostname'], (c) => {
      c.hostname = 'pod-host';
      c.linux.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts', path: `/proc/${pausePid}/ns/uts` }];
    });
    const result = runc(oci.root, member.dir, ['run', '--bundle', member.dir, member.id]);
    assert.equal(result.status, 0, lastLoggedError(member.dir) ?? result.stderr);
    assert.equal(result.stdout.trim(), 'pod-host');
    const hostUts = oci.bundle('host-uts', ['hostname'], (c) => {
      c.linux.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts', path: '/proc/self/ns/uts' }];
    });
    const hostname = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
    const refused = runc(oci.root, hostUts.dir, ['run', '--bundle', hostUts.dir, hostUts.id]);
    assert.equal(refused.status, 1);
    assert.match(lastLoggedError(hostUts.dir) ?? '', /is the host's \(it would rename the host\)/);
    assert.equal(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'), hostname);
    assert.equal(runc(oci.root, sandbox.dir, ['delete', '--force', sandbox.id]).status, 0);
  });

  it('namespaces given by path are joined: a second container in the first one\'s network and IPC namespaces (a pod)', async (t) => {
    const oci = ociWorld(t, 'oci-pod');
    const sandbox = oci.bundle('pause', ['sleep', '1000']);
    assert.equal(runcCreate(oci.root, sandbox.dir, ['--bundle', sandbox.dir, sandbox.id]).status, 0, lastLoggedError(sandbox.dir) ?? '');
    assert.equal(runc(oci.root, sandbox.dir, ['start', sandbox.id]).status, 0);
    const pausePid = oci.state(sandbox.dir, sandbox.id).pid;
    const member = oci.bundle('app', ['sh', '-c', 'for ns in net ipc pid; do readlink /proc/self/ns/$ns; done'], (c) => {
      c.linux.namespaces = [{ type: 'pid' }, { type: 'ipc', path: `/proc/${pausePid}/ns/ipc` }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: `/proc/${pausePid}/ns/net` }];
    });
    const result = runc(oci.root, member.dir, ['run', '--bundle', member.dir, member.id]);
    assert.equal(result.status, 0, lastLoggedError(member.dir) ?? result.stderr);
    const [net, ipc, pid] = result.stdout.trim().split('\n');
    assert.equal(net, fs.readlinkSync(`/proc/${pausePid}/ns/net`));
    assert.equal(ipc, fs.readlinkSync(`/proc/${pausePid}/ns/ipc`));
    assert.notEqual(pid, fs.readlinkSync(`/proc/${pausePid}/ns/pid`), 'its own PID namespace');
    assert.equal(runc(oci.root, sandbox.dir, ['delete', '--force', sandbox.id]).status, 0);
  });

  it('a user namespace: its maps written, its root an unprivileged id on the host, the namespaces it makes its own; without it the same config writes a host file', async (t) => {
    const oci = ociWorld(t, 'oci-userns');
    const hostDir = path.join(oci.world.root, 'host-owned');
    fs.mkdirSync(hostDir, { mode: 0o755 });
    const bindHostDir = (c: Record<string, any>) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: hostDir, options: ['rbind', 'rw'] });
      c.process.capabilities = Object.fromEntries(['bounding', 'effective', 'permitted'].map((set) => [set, [...c.process.capabilities[set], 'CAP_SYS_ADMIN']]));
    };
    const userns = (c: Record<string, any>) => {
      bindHostDir(c);
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    };
    const script = [
      "awk '{print \"map\", $1, $2, $3}' /proc/self/uid_map /proc/self/gid_map",
      'echo "id $(id -u):$(id -g)"',
      'echo "null $(stat -c %u:%g /dev/null) dev $(stat -c %u:%g /dev)"',
      'mount -t tmpfs none /run 2>/dev/null; echo "mount $?"',
      'hostname inside 2>/dev/null; echo "hostname $?"',
      'touch /data/x 2>/dev/null; echo "host-write $?"',
    ].join('; ');
    const inside = oci.bundle('inside', ['sh', '-c', script], userns);
    const result = runc(oci.root, inside.dir, ['run', '--bundle', inside.dir, inside.id]);
    assert.equal(result.status, 0, lastLoggedError(inside.dir) ?? result.stderr);
    assert.equal(result.stdout, ['map 0 100000 65536', 'map 0 100000 65536', 'id 0:0', 'null 0:0 dev 0:0', 'mount 0', 'hostname 0', 'host-write 1', ''].join('\n'));
    assert.equal(fs.existsSync(path.join(hostDir, 'x')), false, "the container's root is not the host's");

    // The same config without the user namespace: its root is the host's, and the write goes through.
    const plain = oci.bundle('plain', ['sh', '-c', 'touch /data/x; echo "host-write $?"'], bindHostDir);
    const unprotected = runc(oci.root, plain.dir, ['run', '--bundle', plain.dir, plain.id]);
    assert.equal(unprotected.stdout, 'host-write 0\n', lastLoggedError(plain.dir) ?? unprotected.stderr);
    assert.equal(fs.statSync(path.join(hostDir, 'x')).uid, 0);

    // Seen from the host, the created container's first process already is 100000, not root; the
    // holder that made its namespaces is gone.
    const waiting = oci.bundle('waiting', ['sleep', '100'], userns);
    assert.equal(runcCreate(oci.root, waiting.dir, ['--bundle', waiting.dir, waiting.id]).status, 0, lastLoggedError(waiting.dir) ?? '');
    const pid = oci.state(waiting.dir, waiting.id).pid;
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\t100000\t100000\t100000\t100000$/m);
    assert.deepEqual(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/), ['0', '100000', '65536']);
    assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/user`), fs.readlinkSync('/proc/self/ns/user'));
    await waitFor(() => !spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.includes('--hold-namespaces'), 'the holder to go');

    // An exec'd process enters the same user namespace: without it, it would be the host's root.
    assert.equal(runc(oci.root, waiting.dir, ['start', waiting.id]).status, 0);
    const attached = runc(oci.root, waiting.dir, ['exec', waiting.id, 'sh', '-c', 'awk \'{print "map", $1, $2, $3}\' /proc/self/uid_map; echo "id $(id -u)"; touch /data/y 2>/dev/null; echo "host-write $?"']);
    assert.equal(attached.stdout, 'map 0 100000 65536\nid 0\nhost-write 1\n', lastLoggedError(waiting.dir) ?? attached.stderr);
    // Its stdio files, not pipes: the detached process keeps them open.
    const out = fs.openSync(path.join(waiting.dir, 'exec.out'), 'w');
    const detached = spawnSync(process.execPath, [RUNC, '--root', oci.root, '--log', path.join(waiting.dir, 'log.json'), '--log-format', 'json', 'exec', '--detach', '--pid-file', path.join(waiting.dir, 'e.pid'), waiting.id, 'sleep', '100'], { cwd: waiting.dir, stdio: ['ignore', out, out], timeout: 60_000 });
    fs.closeSync(out);
    assert.equal(detached.status, 0, lastLoggedError(waiting.dir) ?? '');
    const execPid = Number(fs.readFileSync(path.join(waiting.dir, 'e.pid'), 'utf8'));
    assert.match(fs.readFileSync(`/proc/${execPid}/status`, 'utf8'), /^Uid:\t100000\t100000\t100000\t100000$/m);
    assert.equal(runc(oci.root, waiting.dir, ['delete', '--force', waiting.id]).status, 0);
    assert.equal(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), false);
  });

  it('a user namespace joined by path: a second container in the first one\'s, with mount, UTS and PID namespaces of its own made inside it', (t) => {
    const oci = ociWorld(t, 'oci-userns-join');
    const first = oci.bundle('first', ['sleep', '1000'], (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    });
    assert.equal(runcCreate(oci.root, first.dir, ['--bundle', first.dir, first.id]).status, 0, lastLoggedError(first.dir) ?? '');
    const firstPid = oci.state(first.dir, first.id).pid;
    const second = oci.bundle('second', ['sh', '-c', "awk '{print \"map\", $1, $2, $3}' /proc/self/uid_map; readlink /proc/self/ns/user; hostname second 2>/dev/null; echo \"hostname $?\""], (c) => {
      c.linux.namespaces = [{ type: 'pid' }, { type: 'uts' }, { type: 'mount' }, { type: 'user', path: `/proc/${firstPid}/ns/user` }];
      c.process.capabilities = Object.fromEntries(['bounding', 'effective', 'permitted'].map((set) => [set, [...c.process.capabilities[set], 'CAP_SYS_ADMIN']]));
    });
    const result = runc(oci.root, second.dir, ['run', '--bundle', second.dir, second.id]);
    assert.equal(result.status, 0, lastLoggedError(second.dir) ?? result.stderr);
    assert.equal(result.stdout, `map 0 200000 65536\n${fs.readlinkSync(`/proc/${firstPid}/ns/user`)}\nhostname 0\n`);
  });

  it('a relative cgroupsPath several levels deep, below the runtime\'s parent: cpuset copied down every level, the period and quota as given', (t) => {
    const oci = ociWorld(t, 'oci-relcg');
    const relative = `${oci.world.cgroupParent}/nested/container`;
    t.after(() => {
      // Below mydocker's default parent, not the world's: its levels are removed here, deepest first.
      for (const mount of cgroupMounts()) {
        const top = path.join(mount, 'mydocker', oci.world.cgroupParent);
        for (const dir of [path.join(top, 'nested/container'), path.join(top, 'nested'), top]) {
          try {
            fs.rmdirSync(dir);
          } catch {
            // not there (or not ours to force)
          }
        }
      }
    });
    const { dir, id } = oci.bundle('main', ['sleep', '100'], (c) => {
      c.linux.cgroupsPath = relative;
      c.linux.resources.cpu = { cpus: '0', mems: '0', period: 500000, quota: 50000 };
    });
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 0, lastLoggedError(dir) ?? '');
    const pid = oci.state(dir, id).pid;
    const cgroupLines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
    const v1 = cgroupLines.some((l) => /^\d+:[^:]*cpuset[^:]*:/.test(l));
    const line = cgroupLines.find((l) => (v1 ? /^\d+:[^:]*cpuset[^:]*:/.test(l) : l.startsWith('0::')))!;
    assert.equal(line.slice(line.lastIndexOf(':') + 1), `/mydocker/${relative}`);
    const group = (controller: string) => {
      const mount = cgroupMounts().find((m) => (v1 ? path.basename(m).split(',').includes(controller) : true))!;
      return path.join(mount, 'mydocker', relative);
    };
    assert.equal(fs.readFileSync(path.join(group('cpuset'), 'cpuset.cpus'), 'utf8').trim(), '0');
    if (v1) {
      assert.equal(fs.readFileSync(path.join(group('cpu'), 'cpu.cfs_period_us'), 'utf8').trim(), '500000');
      assert.equal(fs.readFileSync(path.join(group('cpu'), 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
    } else {
      assert.equal(fs.readFileSync(path.join(group('cpu'), 'cpu.max'), 'utf8').trim(), '50000 500000');
    }
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0);
    assert.equal(fs.existsSync(group('cpuset')), false);
  });

  it('a cgroup namespace: when create returns the first process is in its groups and in a namespace of its own rooted there, the program\'s after start; in a user namespace, owned by it', async (t) => {
    const oci = ociWorld(t, 'oci-cgns');
    const cgroupNs = (pid: number | string) => fs.readlinkSync(`/proc/${pid}/ns/cgroup`);
    const withCgroupNs = (c: Record<string, any>) => {
      c.linux.namespaces.push({ type: 'cgroup' });
      c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] });
    };
    const script = 'readlink /proc/self/ns/cgroup; grep -E "^[0-9]+:([^:]*,)?memory(,[^:]*)?:|^0::" /proc/self/cgroup | head -1 | cut -d: -f3; find /sys/fs/cgroup/ -mindepth 2 -type d | wc -l';
    const { dir, id, cgroupsPath } = oci.bundle('main', ['sh', '-c', script], withCgroupNs);
    assert.equal(runcCreate(oci.root, dir, ['--bundle', dir, id]).status, 0, lastLoggedError(dir) ?? '');
    const pid = oci.state(dir, id).pid;
    const atCreate = cgroupNs(pid);
    // runtime-tools' linux_ns_nopath compares them right after create.
    assert.notEqual(atCreate, cgroupNs('self'), 'a cgroup namespace of its own when create returns');
    assert.ok(fs.readFileSync(path.join(memoryGroupDir(cgroupsPath), 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)), 'in its group when create returns');
    assert.equal(runc(oci.root, dir, ['start', id]).status, 0, lastLoggedError(dir) ?? '');
    await waitFor(() => oci.state(dir, id).status === 'stopped', 'the program to end');
    // The same namespace after start (its view was mounted in it, not in another made inside it),
    // rooted at the container's group: its own group is "/", and its view shows no group below it.
    assert.equal(fs.readFileSync(path.join(dir, 'container.out'), 'utf8'), `${atCreate}\n/\n0\n`);

    // In a user namespace, made inside it: owned by it, as runc's (lsns's ONS column, util-linux >= 2.38).
    const ons = spawnSync('lsns', ['-n', '-o', 'NS,TYPE,ONS', '-p', String(process.pid)], { encoding: 'utf8' });
    if (ons.status !== 0) return t.diagnostic('lsns cannot show a namespace\'s owner here: the user namespace case is not checked');
    const userns = oci.bundle('userns', ['sleep', '100'], (c) => {
      c.linux.namespaces.push({ type: 'cgroup' }, { type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    assert.equal(runcCreate(oci.root, userns.dir, ['--bundle', userns.dir, userns.id]).status, 0, lastLoggedError(userns.dir) ?? '');
    const usernsPid = oci.state(userns.dir, userns.id).pid;
    const owned = spawnSync('lsns', ['-n', '-o', 'NS,TYPE,ONS', '-p', String(usernsPid)], { encoding: 'utf8' }).stdout;
    const cgroupLine = owned.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[1] === 'cgroup');
    assert.ok(cgroupLine, owned);
    assert.equal(`cgroup:[${cgroupLine[0]}]`, cgroupNs(usernsPid));
    assert.notEqual(cgroupNs(usernsPid), cgroupNs('self'));
    assert.equal(`user:[${cgroupLine[2]}]`, fs.readlinkSync(`/proc/${usernsPid}/ns/user`), 'owned by the container\'s user namespace');
  });

  it('create killed at each step: delete --force removes whatever it had begun (its waiting process, its groups, its directory)', (t) => {
    const oci = ociWorld(t, 'oci-crash');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['true']);
    // The waiting init inherits create's stdout: a file of this test's own tells its processes from
    // everyone else's, whether or not any state names them.
    const marker = path.join(dir, 'stdout-marker');
    const holders = (): number[] => processesHolding(marker);
    t.after(() => holders().forEach((pid) => killQuietly(pid)));
    for (const step of ['oci:state-written', 'oci:init-ready', 'oci:launched', 'cgroups:intent-saved', 'cgroups:one-created', 'oci:pid-file-written']) {
      const out = fs.openSync(marker, 'w');
      const killed = spawnSync(process.execPath, [RUNC, '--root', oci.root, 'create', '--bundle', dir, '--pid-file', path.join(dir, 'init.pid'), id], {
        cwd: dir,
        stdio: ['ignore', out, 'ignore'],
        env: { ...process.env, MYDOCKER_TEST_STOP_AT: step },
        timeout: 60_000,
      });
      fs.closeSync(out);
      assert.equal(killed.signal, 'SIGKILL', `create reached ${step}`);
      const saved = JSON.parse(fs.readFileSync(path.join(oci.root, id, 'state.json'), 'utf8')) as { pid: number | null };
      const del = runc(oci.root, dir, ['delete', '--force', id]);
      assert.equal(del.status, 0, `${step}: ${lastLoggedError(dir)}`);
      assert.equal(fs.existsSync(path.join(oci.root, id)), false, `${step}: its directory`);
      assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false, `${step}: its cgroup`);
      if (saved.pid !== null) assert.ok(!fs.existsSync(`/proc/${saved.pid}`) || fs.readFileSync(`/proc/${saved.pid}/stat`, 'utf8').includes(') Z'), `${step}: its waiting process`);
      assert.deepEqual(holders(), [], `${step}: a process of the killed create is left (state named pid ${saved.pid})`);
      fs.rmSync(path.join(dir, 'init.pid'), { force: true });
    }
  });

  it('one ID, two callers at once: a second create fails cleanly, a delete --force waits for the create under way, then removes it whole', async (t) => {
    const oci = ociWorld(t, 'oci-lock');
    const { dir, id, cgroupsPath } = oci.bundle('main', ['true']);
    let calls = 0;
    // stderr to a file, and its exit awaited, not its pipes' close: a create's stdio are its container's.
    const call = (args: string[], env: NodeJS.ProcessEnv = {}): { done: Promise<{ status: number | null; stderr: string }> } => {
      const errFile = path.join(oci.world.root, `call-${++calls}.err`);
      const err = fs.openSync(errFile, 'w');
      const child = spawn(process.execPath, [RUNC, '--root', oci.root, ...args], { cwd: dir, stdio: ['ignore', 'ignore', err], env: { ...process.env, ...env } });
      fs.closeSync(err);
      return { done: new Promise((resolve) => child.once('exit', (status) => resolve({ status, stderr: fs.readFileSync(errFile, 'utf8') }))) };
    };
    // The create held just after its init is made (its cgroups and the rest still to come).
    const held = async (label: string) => {
      const pause = pausedAt(oci.world, 'oci:launched', label);
      const create = call(['create', '--bundle', dir, id], pause.env);
      await pause.reached();
      return { create, pause };
    };

    const first = await held('first');
    const second = call(['create', '--bundle', dir, id]);
    first.pause.release();
    assert.equal((await first.create.done).status, 0, lastLoggedError(dir) ?? '');
    const refused = await second.done;
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, new RegExp(`container with id exists: ${id}`));
    assert.equal(oci.state(dir, id).status, 'created', 'the first create\'s container, untouched by the second');
    assert.equal(runc(oci.root, dir, ['delete', '--force', id]).status, 0);

    const again = await held('again');
    const del = call(['delete', '--force', id]);
    // Time for the delete to do its work were it not kept waiting (no assert on it: only a grace).
    await Promise.race([del.done, new Promise((resolve) => setTimeout(resolve, 3000))]);
    again.pause.release();
    const created = await again.create.done;
    assert.equal(created.status, 0, `the create was not disturbed: ${created.stderr}`);
    const deleted = await del.done;
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(fs.existsSync(path.join(oci.root, id)), false, 'its directory');
    assert.equal(fs.existsSync(memoryGroupDir(cgroupsPath)), false, 'its cgroup');
  });

  it('a plugin listed in the state root\'s config.json sees the containers the OCI commands make', (t) => {
    const oci = ociWorld(t, 'oci-plug');
    const seen = path.join(oci.world.root, 'seen.txt');
    const plugin = path.join(oci.world.root, 'watch.mjs');
    fs.writeFileSync(plugin, `import * as fs from 'node:fs';
export default { name: 'test:watch', apply(api) {
  api.hooks.applyCgroups.tap('test:watch', (ctx) => fs.appendFileSync(${JSON.stringify(seen)}, 'setup ' + ctx.container.id + ' ' + ctx.pid + '\\n'));
  api.hooks.releaseCgroups.tap('test:watch', (ctx) => fs.appendFileSync(${JSON.stringify(seen)}, 'release ' + ctx.container.id + '\\n'));
} };
`);
    const stateRoot = path.join(oci.world.root, 'mydocker-root');
    fs.mkdirSync(stateRoot);
    fs.writeFileSync(path.join(stateRoot, 'config.json'), JSON.stringify({ plugins: [plugin] }));
    const { dir, id } = oci.bundle('main', ['true']);
    const env = { ...process.env, MYDOCKER_ROOT: stateRoot };
    const call = (args: string[]) => spawnSync(process.execPath, [RUNC, '--root', oci.root, ...args], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(call(['run', '--bundle', dir, id]).status, 0);
    const lines = fs.readFileSync(seen, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`^setup ${id} \\d+$`));
    assert.equal(lines[1], `release ${id}`);
  });
});

/** The live (not zombie) processes whose stdout is `file` (removed meanwhile, too: a test's cleanup order). */
function processesHolding(file: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const link = fs.readlinkSync(`/proc/${name}/fd/1`);
      if ((link === file || link === `${file} (deleted)`) && !fs.readFileSync(`/proc/${name}/stat`, 'utf8').includes(') Z')) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Python: accept one connection when told to on stdin, receive one descriptor, relay what it shows. */
const RECEIVER = `
import os, socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1]); server.listen(1)
sys.stdin.readline()
conn, _ = server.accept()
msg, fds, flags, addr = socket.recv_fds(conn, 64, 4)
print("name=%s fds=%d" % (msg.decode(), len(fds)), flush=True)
out = b""
while True:
    try:
        chunk = os.read(fds[0], 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
print(out.decode(), flush=True)
`;
