// `run -d -t` (a detached container with a terminal, its output logged) and `attach`: the shim
// serving a detached container's stdio to attachers (with and without a terminal, --no-stdin,
// --sig-proxy, the detach keys), and staying safe when an attacher goes away.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { NODE_ARGS, World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';
import { spawnInPty } from '../support/pty.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

/** A container that answers each line of input on both streams and exits 5 on "quit". */
const ECHOER = 'while read l; do [ "$l" = quit ] && exit 5; echo "got $l"; echo "err $l" >&2; done; echo "stdin ended"';

function inspect(w: World, name: string): { State: { Running: boolean; ExitCode: number | null; Pid: number }; Config: { Tty: boolean } } {
  return JSON.parse(w.run(['inspect', name]).stdout)[0];
}

/** Everything a background CLI wrote, as it comes. */
function collect(child: ChildProcess): { out: () => string; err: () => string; exit: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out: () => out, err: () => err, exit };
}

/** The shim's own processes (watcher and shim proper) of a container, from the host. */
function shimPids(w: World, id: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return fs.readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'mydocker-shim' && fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`${w.root}/containers/${id}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('run -d -t and attach', { skip }, () => {
  test('-d -t: the command gets a terminal of the container; logs show what it wrote there', async (t) => {
    const w = worldFor(t, 'dtty', { image: true });
    const r = w.run(['run', '-d', '-t', '--name', 'dtty', 'busybox', 'sh', '-c', 'tty; echo "out"; echo "err" >&2; stty size']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => !inspect(w, 'dtty').State.Running && w.mounts().length === 0, 'the container to end');
    assert.equal(inspect(w, 'dtty').State.ExitCode, 0);
    assert.equal(inspect(w, 'dtty').Config.Tty, true);
    const logs = w.run(['logs', 'dtty']);
    // Both streams went to the terminal, as on a screen: one stream, with the terminal's \r\n.
    assert.match(logs.stdout, /^\/dev\/pts\/\d+\r\nout\r\nerr\r\n/);
    assert.equal(logs.stderr, '');
    // Started again, it gets a terminal again.
    assert.equal(w.run(['start', 'dtty']).status, 0);
    await waitFor(() => (w.run(['logs', 'dtty']).stdout.match(/out\r\n/g) ?? []).length === 2 || undefined, 'the second run\'s output');
  });

  test('attach without a terminal: input with -i, stdout and stderr apart, output to every attacher, --no-stdin, the exit code', async (t) => {
    const w = worldFor(t, 'attach', { image: true });
    assert.equal(w.run(['run', '-d', '-i', '--name', 'echoer', 'busybox', 'sh', '-c', ECHOER]).status, 0);
    // With --no-stdin what it is given is not the container's: "quit" would end it.
    const watcher = attachProcess(t, w, ['attach', '--no-stdin', 'echoer']);
    watcher.child.stdin!.end('quit\n');
    const typist = attachProcess(t, w, ['attach', 'echoer']);
    // Both connected once both see the answer to a ping (sent again until they do).
    for (let i = 0; !(watcher.out().includes('got ping') && typist.out().includes('got ping')); i++) {
      assert.ok(i < 400, `the attachers never saw the output: ${JSON.stringify([watcher.out(), typist.out()])}`);
      typist.child.stdin!.write('ping\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    typist.child.stdin!.write('one\n');
    await waitFor(() => watcher.out().includes('got one') && typist.out().includes('got one'), 'the answer at both attachers');
    await waitFor(() => watcher.err().includes('err one'), 'stderr, as stderr');
    assert.doesNotMatch(watcher.out(), /err/, 'stdout holds only stdout');
    assert.equal(inspect(w, 'echoer').State.Running, true, '--no-stdin: the watcher\'s "quit" did not reach it');
    typist.child.stdin!.end('quit\n');
    assert.equal(await typist.exit, 5, typist.err());
    assert.equal(await watcher.exit, 5, watcher.err());

    const stopped = w.run(['attach', 'echoer']);
    assert.equal(stopped.status, 1);
    assert.match(stopped.stderr, /cannot attach to a stopped container/);
    assert.match(w.run(['attach', 'no-such']).stderr, /no such container/);
  });

  test('--sig-proxy: without a terminal the signals attach gets go to the container (and with =false not)', async (t) => {
    const w = worldFor(t, 'attachsig', { image: true });
    const ticker = 'trap "echo term; exit 3" TERM; while :; do echo tick; sleep 0.2; done';
    assert.equal(w.run(['run', '-d', '--name', 'proxied', 'busybox', 'sh', '-c', ticker]).status, 0);
    assert.equal(w.run(['run', '-d', '--name', 'unproxied', 'busybox', 'sh', '-c', ticker]).status, 0);
    const proxied = attachProcess(t, w, ['attach', 'proxied']);
    const unproxied = attachProcess(t, w, ['attach', '--sig-proxy=false', 'unproxied']);
    await waitFor(() => proxied.out().includes('tick') && unproxied.out().includes('tick'), 'the attachers to see output');
    proxied.child.kill('SIGTERM');
    assert.equal(await proxied.exit, 3, proxied.err());
    assert.match(proxied.out(), /term/);
    unproxied.child.kill('SIGTERM');
    await unproxied.exit;
    assert.equal(inspect(w, 'unproxied').State.Running, true, 'the signal stayed with attach');
  });

  test('with a terminal: keys reach the container, ctrl-p ctrl-q detaches and leaves it running, its exit code ends attach', async (t) => {
    const w = worldFor(t, 'attachtty', { image: true });
    assert.equal(w.run(['run', '-d', '-i', '-t', '--name', 'shell', 'busybox', 'sh']).status, 0);
    const env = { PATH: process.env.PATH, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent };
    const first = spawnInPty(process.execPath, [...NODE_ARGS, 'attach', 'shell'], env);
    t.after(() => first.close());
    // Typed again until the shell answers: the attach may not be connected yet when first typed.
    for (let i = 0; !/hi-3/.test(first.screen()); i++) {
      assert.ok(i < 100, `the shell never answered: ${JSON.stringify(first.screen())}`);
      first.type('echo "hi-$((1+2))"\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The container's terminal took the size of attach's (24x80), and follows it.
    first.type('stty size\n');
    await first.expect(/^24 80\r*$/m);
    first.resize(33, 111);
    for (let i = 0; !/^33 111\r*$/m.test(first.screen()); i++) {
      assert.ok(i < 100, `the size never followed: ${JSON.stringify(first.screen())}`);
      first.type('stty size\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    first.type('\x10\x11');
    assert.equal(await first.exit, 0);
    assert.equal(first.modes(), first.initialModes, 'the terminal is restored');
    assert.equal(inspect(w, 'shell').State.Running, true, 'detached, the container runs on');

    const second = spawnInPty(process.execPath, [...NODE_ARGS, 'attach', 'shell'], env);
    t.after(() => second.close());
    for (let i = 0; !/again-7/.test(second.screen()); i++) {
      assert.ok(i < 100, `the shell never answered: ${JSON.stringify(second.screen())}`);
      second.type('echo "again-$((3+4))"\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A lone ctrl-p is the shell's (passed on when the next key is not ctrl-q).
    second.type('\x10x\x15exit 4\n');
    assert.equal(await second.exit, 4);
    assert.equal(inspect(w, 'shell').State.ExitCode, 4);
  });

  test('an attacher that goes away, or stops reading, never holds the container; the shim stays small', async (t) => {
    const w = worldFor(t, 'attachsafe', { image: true });
    const r = w.run(['run', '-d', '-i', '--name', 'safe', 'busybox', 'sh', '-c', ECHOER]);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    const gone = attachProcess(t, w, ['attach', 'safe']);
    for (let i = 0; !gone.out().includes('got ping'); i++) {
      assert.ok(i < 400, 'the attacher never saw the output');
      gone.child.stdin!.write('ping\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    gone.child.kill('SIGKILL');
    await gone.exit;
    // A client that connects and never reads: the container's output (about 2 MB) fills its
    // socket; the shim drops it and goes on logging.
    const stalled = await rawAttach(w, id);
    t.after(() => stalled.destroy());
    const next = attachProcess(t, w, ['attach', 'safe']);
    next.child.stdin!.write(`${'x'.repeat(100)}\n`.repeat(20000));
    next.child.stdin!.write('last\n');
    await waitFor(() => next.out().includes('got last'), 'the output past what the stalled client holds', 60_000);
    // Its stdout and stderr reach the shim through two pipes, each logged as it is read (just after
    // it is relayed): the last stdout line may sit any number of stderr lines before the end (the
    // log's tail alone once held only stderr's, under load). Both last lines get logged.
    const logged = (line: string): boolean => fs.readFileSync(`${w.root}/containers/${id}/container.log`, 'utf8').includes(`"log":"${line}\\n"`);
    await waitFor(() => logged('got last') && logged('err last'), 'both last lines in the log', 60_000);
    const rss = shimPids(w, id).map((pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]));
    assert.equal(rss.length, 2, 'the watcher and the shim');
    for (const kb of rss) assert.ok(kb <= 2048, `the shim's RSS is ${kb} kB`);
    t.diagnostic(`shim RSS (watcher, shim): ${rss.join(' kB, ')} kB`);
    next.child.stdin!.end('quit\n');
    assert.equal(await next.exit, 5);
  });
});

/** `attach` in the background, its stdin a pipe the test writes to; killed after the test. */
function attachProcess(t: { after(fn: () => void): void }, w: World, args: string[]): ReturnType<typeof collect> & { child: ChildProcess } {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent },
  });
  child.stdin!.on('error', () => {});
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, ...collect(child) };
}

/** A connection to the container's attach socket that sends its handshake and never reads. */
async function rawAttach(w: World, id: string): Promise<net.Socket> {
  const dir = fs.openSync(`${w.root}/containers/${id}`, 'r');
  try {
    return await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.createConnection({ path: `/proc/self/fd/${dir}/attach.sock` }, () => {
        socket.write('O');
        socket.pause();
        socket.on('error', () => {}); // reset when the shim drops it
        resolve(socket);
      });
      socket.once('error', reject);
    });
  } finally {
    fs.closeSync(dir);
  }
}
