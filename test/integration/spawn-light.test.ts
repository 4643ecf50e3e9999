// spawnLight with the real posix_spawn: what a child gets (its descriptors, its signal dispositions),
// and what its parent sees of it, as Node's spawn would report it. No root needed.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { posixSpawn } from '../../src/kernel/posix-spawn.js';
import { spawnLight, type SpawnedProcess } from '../../src/process/spawn-light.js';
import { NODE_ARGS, integrationSkipReason, worldFor } from '../support/world.js';

const skip = posixSpawn() === null ? 'no posix_spawn through koffi here' : false;
const MODULE = fileURLToPath(new URL('../../src/process/spawn-light.js', import.meta.url));

const exitOf = (child: SpawnedProcess): Promise<[number | null, NodeJS.Signals | null]> =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));

/** Spawns a child that stays until killed, kills it at the end of the test whatever happens. */
function sleeper(t: { after(fn: () => void): void }, stdio: Array<'ignore' | number>): SpawnedProcess {
  const child = spawnLight('/bin/sleep', ['60'], { stdio, env: {}, cwd: '/', detached: true });
  assert.ok(child.pid !== undefined);
  t.after(() => void child.kill('SIGKILL'));
  return child;
}

/**
 * The child's own descriptors once sleep sleeps. Before its exec it shares ours; right after it,
 * the dynamic loader still opens and closes libraries (an fd 5 that was gone by its readlink made
 * this test flaky). So: sleep's image, asleep (state S), and the same list twice, 10 ms apart.
 */
async function descriptorsOf(pid: number): Promise<Map<number, string>> {
  let last: string | null = null;
  for (let i = 0; ; i++) {
    if (i === 3000) assert.fail(`the child ${pid} never slept in sleep`);
    const asleep = fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/sleep') && fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('S ');
    const fds = asleep ? openDescriptors(pid) : null;
    const seen = fds && JSON.stringify([...fds]);
    if (fds && seen === last) return fds;
    last = seen;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A process's descriptors and what they name, leaving out one closed while they are read. */
function openDescriptors(pid: number): Map<number, string> {
  const fds = new Map<number, string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(fd), fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return fds;
}

/** Our descriptors without close-on-exec (the test runner's, inherited from whoever started it): a child gets them from any spawn. */
function inheritableOfOurs(): number[] {
  return fs
    .readdirSync('/proc/self/fd')
    .map(Number)
    .filter((fd) => {
      try {
        const flags = /flags:\s*(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
        return (parseInt(flags, 8) & 0o2000000) === 0;
      } catch {
        return false; // the directory's own descriptor, closed since
      }
    });
}

describe('spawnLight through posix_spawn', { skip }, () => {
  test('exit codes and signals as Node reports them; kill() after the exit sends nothing', async () => {
    const three = spawnLight('/bin/sh', ['-c', 'exit 3'], { stdio: ['ignore', 'ignore', 'ignore'], env: {} });
    assert.deepEqual(await exitOf(three), [3, null]);
    assert.equal(three.exitCode, 3);
    assert.equal(three.kill('SIGKILL'), false);

    const killed = spawnLight('/bin/sleep', ['60'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = exitOf(killed);
    assert.equal(killed.kill('SIGKILL'), true);
    assert.deepEqual(await exited, [null, 'SIGKILL']);
    assert.equal(killed.signalCode, 'SIGKILL');
  });

  test('a program that cannot be run: no pid, and ENOENT as Node\'s error', async () => {
    const child = spawnLight('/no/such/program', [], { stdio: ['ignore', 'ignore', 'ignore'] });
    assert.equal(child.pid, undefined);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    assert.equal(error.code, 'ENOENT');
  });

  test('pipes: what is written to stdin comes back on stdout, stderr apart', async () => {
    const child = spawnLight('/bin/sh', ['-c', 'cat; echo err >&2'], { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    const read = (stream: NodeJS.ReadableStream): Promise<string> =>
      new Promise((resolve) => {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => resolve(text));
      });
    const out = read(child.stdout!);
    const err = read(child.stderr!);
    const exited = exitOf(child);
    child.stdin!.end('round trip\n');
    assert.equal(await out, 'round trip\n');
    assert.equal(await err, 'err\n');
    assert.deepEqual(await exited, [0, null]);
  });

  test('the child has 0..n-1 (and what we hold without close-on-exec), each where asked, argv0, cwd and its own session', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawn-light-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const a = fs.openSync(path.join(dir, 'a'), 'w');
    const b = fs.openSync(path.join(dir, 'b'), 'w');
    t.after(() => [a, b].forEach((fd) => fs.closeSync(fd)));
    const child = sleeper(t, ['ignore', a, 'ignore', b, a]);
    const fds = await descriptorsOf(child.pid!);
    assert.equal(fds.get(0), '/dev/null');
    assert.equal(fds.get(1), path.join(dir, 'a'));
    assert.equal(fds.get(2), '/dev/null');
    assert.equal(fds.get(3), path.join(dir, 'b'));
    assert.equal(fds.get(4), path.join(dir, 'a'));
    const extra = [...fds.keys()].filter((fd) => fd > 4).sort((x, y) => x - y);
    assert.deepEqual(extra, inheritableOfOurs().filter((fd) => fd > 4).sort((x, y) => x - y), `nothing of ours but what any spawn passes on: ${JSON.stringify([...fds])}`);
    const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    assert.equal(Number(stat[3]), child.pid, 'detached: the leader of its own session');
    assert.equal(fs.readlinkSync(`/proc/${child.pid}/cwd`), '/');
    assert.deepEqual(fs.readFileSync(`/proc/${child.pid}/environ`, 'utf8'), '', 'env {}: nothing of ours');
  });

  test('every signal at its default action, none blocked (Node ignores SIGPIPE)', async (t) => {
    assert.notEqual(signalMask('/proc/self/status', 'SigIgn') & (1n << 12n), 0n, 'Node ignores SIGPIPE here: the test can tell');
    const child = sleeper(t, ['ignore', 'ignore', 'ignore']);
    await descriptorsOf(child.pid!);
    assert.equal(signalMask(`/proc/${child.pid}/status`, 'SigIgn'), 0n);
    assert.equal(signalMask(`/proc/${child.pid}/status`, 'SigBlk'), 0n);
  });

  test('no zombie left, and the event loop ends with the child; unref() lets it end before', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawn-light-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const done = path.join(dir, 'done');
    // Nothing listens for its exit: the child alone keeps the script's loop alive, as Node's would.
    const waits = runScript(`spawnLight('/bin/sh', ['-c', 'sleep 0.3; echo > ${done}'], { stdio: ['ignore', 'ignore', 'ignore'] });`);
    assert.equal(waits.status, 0, waits.stderr);
    assert.ok(fs.existsSync(done), 'the script waited for its child');

    // Unref'd, a child outlives the script: here it would outlive this test by a minute.
    const left = runScript(`const c = spawnLight('/bin/sleep', ['60'], { stdio: ['ignore', 'ignore', 'ignore'], detached: true }); c.unref(); console.log(c.pid);`);
    assert.equal(left.status, 0, left.stderr);
    const pid = Number(left.stdout.trim());
    t.after(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    assert.ok(fs.existsSync(`/proc/${pid}`), 'the script ended while its unref\'d child ran');

    const child = spawnLight('/bin/true', [], { stdio: ['ignore', 'ignore', 'ignore'] });
    await exitOf(child);
    assert.equal(fs.existsSync(`/proc/${child.pid}`), false, 'reaped');
  });
});

describe('run and exec without node:child_process', { skip: integrationSkipReason() ?? skip }, () => {
  test('a foreground run, a detached one and an exec spawn through posix_spawn, and never load it', (t) => {
    const w = worldFor(t, 'spawn-light', { image: true });
    // Told by the CLI process itself as it exits (its stderr): which of Node's modules it loaded.
    const preload = path.join(w.root, 'modules.cjs');
    fs.writeFileSync(
      preload,
      "process.on('exit', () => require('fs').writeSync(2, 'child_process loaded: ' + process.moduleLoadList.includes('NativeModule child_process') + '\\n'));\n",
    );
    const env = { NODE_OPTIONS: `--require ${preload}` };
    const name = `sl-${process.pid}`;
    const run = w.run(['run', '--rm', '--net', 'none', 'busybox', 'sh', '-c', 'echo $$'], { env });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '1\n', 'the first process is PID 1 of its namespace');
    assert.match(run.stderr, /child_process loaded: false/);
    const detached = w.run(['run', '-d', '--name', name, '--net', 'none', 'busybox', 'sleep', '600'], { env });
    assert.equal(detached.status, 0, detached.stderr);
    assert.match(detached.stderr, /child_process loaded: false/);
    const exec = w.run(['exec', name, 'sh', '-c', 'exit 7'], { env });
    assert.equal(exec.status, 7, exec.stderr);
    assert.match(exec.stderr, /child_process loaded: false/);
  });
});

describe('output that goes to /dev/null is not relayed', { skip: integrationSkipReason() ?? skip }, () => {
  test('run and exec give the process a /dev/null of its own and load no node:net; a pipe is relayed', (t) => {
    const w = worldFor(t, 'devnull-out', { image: true });
    // Told by the CLI process as it exits, into a file (its stderr may be /dev/null).
    const told = path.join(w.root, 'told');
    const preload = path.join(w.root, 'modules.cjs');
    fs.writeFileSync(preload, `process.on('exit', () => require('fs').appendFileSync(${JSON.stringify(told)}, 'net loaded: ' + process.moduleLoadList.includes('NativeModule net') + '\\n'));\n`);
    const env = { PATH: process.env.PATH, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent, NODE_OPTIONS: `--require ${preload}` };
    const cli = (args: string[], out: 'null' | 'pipe') => {
      fs.rmSync(told, { force: true });
      const nul = fs.openSync('/dev/null', 'w');
      try {
        const r = spawnSync(process.execPath, [...NODE_ARGS, ...args], { env, encoding: 'utf8', timeout: 60_000, stdio: out === 'null' ? ['ignore', nul, nul] : ['ignore', 'pipe', 'pipe'] });
        return { status: r.status, stdout: r.stdout ?? '', told: fs.readFileSync(told, 'utf8') };
      } finally {
        fs.closeSync(nul);
      }
    };
    // What the container's fd 1 and 2 are, told through a file of a volume (its output goes nowhere).
    const vol = path.join(w.root, 'vol');
    fs.mkdirSync(vol);
    // Of PID 1, the shell; the redirection is its forked job's.
    const show = 'stat -L -c "%F %t:%T" /proc/1/fd/1 /proc/1/fd/2 > /v/fds & wait';
    const quiet = cli(['run', '--rm', '--net', 'none', '-v', `${vol}:/v`, 'busybox', 'sh', '-c', show], 'null');
    assert.equal(quiet.status, 0);
    assert.equal(quiet.told, 'net loaded: false\n');
    assert.equal(fs.readFileSync(path.join(vol, 'fds'), 'utf8'), 'character special file 1:3\n'.repeat(2), 'the null device');

    const relayed = cli(['run', '--rm', '--net', 'none', '-v', `${vol}:/v`, 'busybox', 'sh', '-c', `${show}; echo out`], 'pipe');
    assert.equal(relayed.status, 0);
    assert.equal(relayed.stdout, 'out\n');
    assert.equal(relayed.told, 'net loaded: true\n');
    assert.equal(fs.readFileSync(path.join(vol, 'fds'), 'utf8'), 'socket 0:0\n'.repeat(2), 'a socket of the relay');

    const name = `dn-${process.pid}`;
    assert.equal(cli(['run', '-d', '--name', name, '--net', 'none', 'busybox', 'sleep', '600'], 'pipe').status, 0);
    const exec = cli(['exec', name, 'sh', '-c', 'echo lost; exit 3'], 'null');
    assert.equal(exec.status, 3);
    assert.equal(exec.told, 'net loaded: false\n');
  });
});

function signalMask(file: string, field: 'SigIgn' | 'SigBlk'): bigint {
  return BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(fs.readFileSync(file, 'utf8'))![1]}`);
}

/** A script importing spawnLight, run by another Node; a minute at most. */
function runScript(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import { spawnLight } from ${JSON.stringify(MODULE)};\n${body}\n`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
