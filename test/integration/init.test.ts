// `run --init`: mydocker-init stays as PID 1, forks the command, reaps the orphans it inherits and
// forwards signals to the command (docker-init's job); the container's exit code is the command's.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE_ARGS, World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';
import { spawnInPty } from '../support/pty.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

/** Zombies among the processes of the PID namespace of `pid` (a container's PID 1), from the host. */
function zombiesBeside(pid: number): number {
  const namespace = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  let count = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/pid`) !== namespace) continue;
      if (fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')) count++;
    } catch {
      // ended meanwhile
    }
  }
  return count;
}

/**
 * A detached container whose command leaves an orphan (a subshell that ends after its parent did,
 * writing /orphan-done first) and then becomes a program that never waits for anyone (sleep).
 */
function orphanMaker(w: World, name: string, init: boolean): { pid: number; marker: string } {
  const r = w.run(['run', '-d', ...(init ? ['--init'] : []), '--name', name, 'busybox', 'sh', '-c', 'sh -c "(sleep 0.2; touch /orphan-done) &"; exec sleep 1000']);
  assert.equal(r.status, 0, r.stderr);
  const record = w.record(r.stdout.trim());
  assert.ok(record?.state.pid && record.rootfs);
  return { pid: record.state.pid, marker: path.join(record.rootfs, 'orphan-done') };
}

describe('run --init', { skip }, () => {
  test('the exit code is the command\'s: its own, 128+N when signal N killed it, 127 when not found', (t) => {
    const w = worldFor(t, 'initcode', { image: true });
    const own = w.run(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'echo "pid $$"; exit 3']);
    assert.equal(own.status, 3, own.stderr);
    assert.match(own.stdout, /^pid \d+$/m);
    assert.notEqual(own.stdout.trim(), 'pid 1', 'the command is not PID 1: the init is');
    assert.equal(w.run(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'kill -KILL $$']).status, 137);
    const missing = w.run(['run', '--rm', '--init', 'busybox', 'no-such-program']);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /no-such-program/);
    const interactive = w.run(['run', '--rm', '-i', '--init', 'busybox', 'sh', '-c', 'read line; echo "got $line"'], { input: 'hello\n' });
    assert.equal(interactive.stdout, 'got hello\n', `stdin reaches the command: ${interactive.stderr}`);
  });

  test('orphans are reaped by the init; without it they stay zombies under a PID 1 that never waits', async (t) => {
    const w = worldFor(t, 'initreap', { image: true });
    const bare = orphanMaker(w, 'bare', false);
    const reaped = orphanMaker(w, 'reaped', true);
    await waitFor(() => fs.existsSync(bare.marker) && fs.existsSync(reaped.marker), 'the orphans to finish their work');
    // Without --init: the orphan ends and stays a zombie (the test can tell one).
    await waitFor(() => zombiesBeside(bare.pid) > 0, 'the orphan without an init to become a zombie');
    // With --init: reaped once it ends.
    await waitFor(() => zombiesBeside(reaped.pid) === 0 || undefined, 'the init to reap the orphan');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(zombiesBeside(reaped.pid), 0);
    assert.ok(zombiesBeside(bare.pid) > 0, 'still a zombie without an init');
    assert.equal(JSON.parse(w.run(['inspect', 'reaped']).stdout)[0].HostConfig.Init, true);
    assert.equal(JSON.parse(w.run(['inspect', 'bare']).stdout)[0].HostConfig.Init, null);
  });

  test('stop\'s SIGTERM reaches the command (PID 1 alone would ignore it), which ends with 143', async (t) => {
    const w = worldFor(t, 'initterm', { image: true });
    const r = w.run(['run', '-d', '--init', '--name', 'term', 'busybox', 'sh', '-c', 'echo up; sleep 1000']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => w.run(['logs', 'term']).stdout === 'up\n', 'the command to start');
    // A long timeout: without the forwarding this stop would end with SIGKILL (137) after it.
    const stop = w.run(['stop', '-t', '120', 'term']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(JSON.parse(w.run(['inspect', 'term']).stdout)[0].State.ExitCode, 143);
    // start keeps --init.
    assert.equal(w.run(['start', 'term']).status, 0);
    await waitFor(() => w.run(['logs', 'term']).stdout === 'up\nup\n', 'the command to start again');
    assert.equal(w.run(['kill', '-s', 'TERM', 'term']).status, 0);
    await waitFor(() => JSON.parse(w.run(['inspect', 'term']).stdout)[0].State.ExitCode === 143 && !JSON.parse(w.run(['inspect', 'term']).stdout)[0].State.Running, 'the forwarded TERM to end it');
  });

  test('with a terminal: the command is the terminal\'s foreground job (ctrl-c reaches it, job control works)', async (t) => {
    const w = worldFor(t, 'inittty', { image: true });
    const session = spawnInPty(process.execPath, [...NODE_ARGS, 'run', '-it', '--rm', '--init', 'busybox', 'sh'], {
      PATH: process.env.PATH,
      MYDOCKER_ROOT: w.root,
      MYDOCKER_CGROUP_PARENT: w.cgroupParent,
    });
    t.after(() => session.close());
    await session.expect(/\/ # /);
    // /proc/PID/stat: field 5 the process group, field 8 the terminal's foreground group.
    session.type('set -- $(cat /proc/$$/stat); echo "pid=$1 pgrp=$5 tpgid=$8"\n');
    await session.expect(/^pid=\d+ pgrp=\d+ tpgid=\d+\r*$/m);
    const [, pid, pgrp, tpgid] = /^pid=(\d+) pgrp=(\d+) tpgid=(\d+)\r*$/m.exec(session.screen())!;
    assert.notEqual(pid, '1', 'the shell is not PID 1: the init is');
    assert.notEqual(pgrp, '1', 'the shell has a process group of its own');
    assert.equal(tpgid, pgrp, 'the shell\'s group is the terminal\'s foreground one');
    session.type('sleep 1001\n');
    await waitFor(() => fs.readdirSync('/proc').some((e) => /^\d+$/.test(e) && readQuietly(`/proc/${e}/cmdline`) === 'sleep\x001001\x00'), 'the sleep to start');
    session.type('\x03');
    session.type('echo "after=$?"\n');
    await session.expect(/^after=130\r*$/m);
    session.type('exit 3\n');
    assert.equal(await session.exit, 3);
  });
});

function readQuietly(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
