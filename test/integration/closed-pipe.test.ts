// Output into a pipe whose reader leaves early (`mydocker export x | head`), as a shell runs it:
// export, save and logs -f end quietly with 141 (a writer whose reader left); a
// foreground run closes the container's pipe, so the container ends of it, and is released as any
// other. No stack trace, no "write EPIPE", and nothing left mounted or recorded.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NODE_ARGS, integrationSkipReason, worldFor, type World } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

/** `mydocker ARGS | head -c 1`, through bash: mydocker's exit status, and what it wrote on stderr. */
function intoHead(w: World, args: string[]): { status: number; stderr: string } {
  const quoted = [process.execPath, ...NODE_ARGS, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // mydocker's stderr to a file of its own: bash's stderr carries only the status.
  // `timeout`: a command that never notices its reader left fails the test instead of hanging it.
  const script = `timeout 60 ${quoted} 2>"$ERR" | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}" >&2`;
  const errFile = `${w.root}/stderr.txt`;
  const env = { PATH: process.env.PATH, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent, ERR: errFile };
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { env, encoding: 'utf8' });
  const stderr = spawnSync('cat', [errFile], { encoding: 'utf8' }).stdout;
  return { status: Number(r.stderr.trim().split('\n').pop()), stderr };
}

describe('a reader that leaves early', { skip }, () => {
  test('export and save end with 141 and say nothing; export leaves the root unmounted', (t) => {
    const w = worldFor(t, 'pipe-out', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'stopped', 'busybox', 'true']).status, 0);
    const exported = intoHead(w, ['export', 'stopped']);
    assert.deepEqual(exported, { status: 141, stderr: '' });
    assert.deepEqual(w.mounts(), [], 'the root mounted for the export is unmounted');
    assert.deepEqual(intoHead(w, ['save', 'busybox']), { status: 141, stderr: '' });
  });

  test('a foreground run: the container gets the closed pipe, ends, and is removed (--rm) with nothing left', (t) => {
    const w = worldFor(t, 'pipe-run', { image: true });
    // sh as PID 1 reports what its child got: seq is killed by SIGPIPE (141), as in a shell pipeline.
    const r = intoHead(w, ['run', '--rm', '--net', 'none', 'busybox', 'sh', '-c', 'seq 1 1000000; echo "seq: $?" >&2']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'seq: 141\n');
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.mounts(), []);
    assert.deepEqual(w.cgroups().filter((dir) => /[0-9a-f]{64}$/.test(dir)), [], 'no cgroup of the container is left');
  });

  test('logs -f of a container that goes on talking ends with 141 and says nothing', (t) => {
    const w = worldFor(t, 'pipe-logs', { image: true });
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'talker', 'busybox', 'sh', '-c', 'while true; do echo line; sleep 0.01; done']).status, 0);
    assert.deepEqual(intoHead(w, ['logs', '-f', 'talker']), { status: 141, stderr: '' });
    assert.equal(w.run(['rm', '-f', 'talker']).status, 0);
  });
});
