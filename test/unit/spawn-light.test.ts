// spawnLight's side of posix_spawn, against a fake binding: where each descriptor goes, what falls
// back to Node's spawn, and a ChildProcess's exit, error and kill as the callers see them.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { PosixSpawn, Reaped, SpawnPlan } from '../../src/kernel/posix-spawn.js';
import { placeStdio, spawnWith, type SpawnedProcess, type SpawnFunction } from '../../src/process/spawn-light.js';

interface Fake extends PosixSpawn {
  plans: SpawnPlan[];
  dups: Array<{ fd: number; min: number; copy: number }>;
  madeBlocking: number[];
  closed: number[];
  /** What reap() answers next (null: still running). */
  status: Reaped | null | 'gone';
  reaps: number;
}

// Numbers no test process has open: closing one by mistake would close nothing real.
const FIRST_FAKE_FD = 900;

function fakePosixSpawn(result: { pid: number } | { errno: number } = { pid: 4242 }): Fake {
  let next = FIRST_FAKE_FD;
  const fake: Fake = {
    plans: [],
    dups: [],
    madeBlocking: [],
    closed: [],
    status: null,
    reaps: 0,
    spawn: (plan) => {
      fake.plans.push(plan);
      return result;
    },
    reap: () => {
      fake.reaps++;
      return fake.status;
    },
    dupAtLeast: (fd, min) => {
      const copy = Math.max(next++, min);
      fake.dups.push({ fd, min, copy });
      return copy;
    },
    setBlocking: (fd) => void fake.madeBlocking.push(fd),
    socketPair: () => [next++, next++],
    close: (fd) => void fake.closed.push(fd),
  };
  return fake;
}

const exitOf = (child: SpawnedProcess): Promise<[number | null, NodeJS.Signals | null]> => new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
const errorOf = (child: SpawnedProcess): Promise<NodeJS.ErrnoException> => new Promise((resolve) => child.once('error', resolve));

const noFallback: SpawnFunction = () => assert.fail('fell back to Node\'s spawn');

describe('placeStdio', () => {
  it('copies every source above the entries first, then dup2s each copy to its index; ignore is /dev/null', () => {
    const api = fakePosixSpawn();
    // fd 4 at index 3 and fd 3 at index 4: placed directly, each dup2 would overwrite the other's source.
    const placed = placeStdio(api, '/bin/x', ['a'], { stdio: ['ignore', 'inherit', 2, 4, 3], env: {}, cwd: '/', detached: true, argv0: 'zero' });
    assert.deepEqual(
      api.dups.map(({ fd, min }) => ({ fd, min })),
      [
        { fd: 1, min: 5 },
        { fd: 2, min: 5 },
        { fd: 4, min: 5 },
        { fd: 3, min: 5 },
      ],
    );
    const copies = api.dups.map((d) => d.copy);
    assert.ok(copies.every((fd) => fd >= 5));
    assert.deepEqual(placed.plan.actions, [
      { op: 'open', fd: 0, path: '/dev/null', flags: 0 },
      { op: 'dup2', from: copies[0], to: 1 },
      { op: 'dup2', from: copies[1], to: 2 },
      { op: 'dup2', from: copies[2], to: 3 },
      { op: 'dup2', from: copies[3], to: 4 },
    ]);
    assert.deepEqual(placed.toClose, copies, 'the copies are closed once the child has them');
    assert.deepEqual(api.madeBlocking, [1, 2], 'an inherited stdio is made blocking, as libuv does; fds past 2 are left alone');
    assert.deepEqual(placed.plan, { ...placed.plan, path: '/bin/x', argv: ['zero', 'a'], envp: [], cwd: '/', setsid: true });
  });

  it('a pipe is a socket pair: the child\'s end copied above the entries, ours kept for the stream', () => {
    const api = fakePosixSpawn();
    const placed = placeStdio(api, '/bin/x', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const [ours, theirs] = [FIRST_FAKE_FD, FIRST_FAKE_FD + 1];
    assert.deepEqual(placed.parentEnds, new Map([[0, ours]]));
    assert.equal(api.dups[0]!.fd, theirs);
    assert.deepEqual(placed.toClose, [theirs, api.dups[0]!.copy]);
    assert.deepEqual(placed.plan.actions[0], { op: 'dup2', from: api.dups[0]!.copy, to: 0 });
    assert.deepEqual(placed.plan.actions.slice(1), [
      { op: 'open', fd: 1, path: '/dev/null', flags: 2 },
      { op: 'open', fd: 2, path: '/dev/null', flags: 2 },
    ]);
    assert.deepEqual(api.madeBlocking, [], 'our socket pair is blocking already');
  });

  it('Node\'s defaults: pipes for 0-2, the parent\'s environment, no cwd, no session', () => {
    const placed = placeStdio(fakePosixSpawn(), '/bin/x', [], {});
    assert.deepEqual([...placed.parentEnds.keys()], [0, 1, 2]);
    assert.ok(placed.plan.envp.includes(`PATH=${process.env.PATH}`));
    assert.equal(placed.plan.cwd, null);
    assert.equal(placed.plan.setsid, false);
  });

  it('a copy that fails closes what was made before it', () => {
    const api = fakePosixSpawn();
    let calls = 0;
    const dup = api.dupAtLeast;
    api.dupAtLeast = (fd, min) => {
      if (++calls === 2) throw Object.assign(new Error('fcntl failed'), { errno: 24 });
      return dup(fd, min);
    };
    assert.throws(() => placeStdio(api, '/bin/x', [], { stdio: ['pipe', 1, 2] }), /fcntl failed/);
    assert.deepEqual(api.closed.sort(), [FIRST_FAKE_FD, FIRST_FAKE_FD + 1, FIRST_FAKE_FD + 2]);
  });
});

describe('spawnWith', () => {
  it('falls back to Node\'s spawn for what posix_spawn is not asked to do', () => {
    const api = fakePosixSpawn();
    const fellBack: string[] = [];
    const fallback: SpawnFunction = (file) => {
      fellBack.push(file);
      return {} as SpawnedProcess;
    };
    const spawn = spawnWith(api, fallback);
    spawn('true', [], { stdio: ['ignore', 'ignore', 'ignore'] }); // a PATH search
    spawn('/bin/uid', [], { uid: 1 } as never);
    spawn('/bin/ipc', [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] } as never);
    spawn('/bin/pipe3', [], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    spawnWith(null, fallback)('/bin/nolibc', [], {});
    assert.deepEqual(fellBack, ['true', '/bin/uid', '/bin/ipc', '/bin/pipe3', '/bin/nolibc']);
    assert.equal(api.plans.length, 0);
  });

  it('reports the exit as Node does, once reaped on SIGCHLD, and stops listening; kill() is then a no-op', async () => {
    const api = fakePosixSpawn({ pid: 4242 });
    const listeners = process.listenerCount('SIGCHLD');
    const child = spawnWith(api, noFallback)('/bin/x', [], { stdio: ['ignore', 'ignore', 'ignore'] });
    assert.equal(child.pid, 4242);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(api.reaps, 1, 'looked once right after the spawn');
    assert.equal(process.listenerCount('SIGCHLD'), listeners + 1);
    assert.deepEqual(api.closed, api.dups.map((d) => d.copy), 'the temporary copies are closed');
    const exited = exitOf(child);
    api.status = { code: null, signal: 9 };
    process.emit('SIGCHLD', 'SIGCHLD');
    assert.deepEqual(await exited, [null, 'SIGKILL']);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.equal(child.exitCode, null);
    assert.equal(process.listenerCount('SIGCHLD'), listeners, 'no child left: no listener');
    // The pid may be another process's by now: nothing may be sent to it.
    assert.equal(child.kill('SIGKILL'), false);
  });

  it('a child that exited before spawn returned: reported after, as Node reports it, to a listener added then', async () => {
    const api = fakePosixSpawn({ pid: 4243 });
    api.status = { code: 3, signal: null };
    const child = spawnWith(api, noFallback)('/bin/x', [], { stdio: ['ignore', 'ignore', 'ignore'] });
    assert.equal(child.exitCode, null);
    assert.deepEqual(await exitOf(child), [3, null]);
    assert.equal(child.exitCode, 3);
  });

  it('a child someone else reaped: an exit with neither code nor signal, and no kill', async () => {
    const api = fakePosixSpawn({ pid: 4244 });
    api.status = 'gone';
    const child = spawnWith(api, noFallback)('/bin/x', [], { stdio: ['ignore', 'ignore', 'ignore'] });
    assert.deepEqual(await exitOf(child), [null, null]);
    assert.equal(child.kill(), false);
  });

  it('a failed spawn: no pid, its temporaries closed, and an error on the next tick as Node\'s (ENOENT: exec\'s 127)', async () => {
    const api = fakePosixSpawn({ errno: 2 });
    const listeners = process.listenerCount('SIGCHLD');
    const child = spawnWith(api, noFallback)('/no/such', ['a'], { stdio: ['ignore', 3, 'ignore'] });
    assert.equal(child.pid, undefined);
    assert.deepEqual(api.closed, api.dups.map((d) => d.copy));
    assert.equal(process.listenerCount('SIGCHLD'), listeners);
    const error = await errorOf(child);
    assert.equal(error.code, 'ENOENT');
    assert.equal(error.syscall, 'spawn /no/such');
    assert.equal(child.kill(), false);
  });
});
