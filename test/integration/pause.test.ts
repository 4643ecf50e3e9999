// `pause` and `unpause`: the cgroup freezer on a mydocker container (v1 on this host; the v2 lab runs
// the same), what `ps`, `inspect`, `exec` and `events` say of a paused container, and `kill`, `stop`
// and `rm -f` of one, which thaw it for the kill as Docker's do.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

/** CPU ticks (utime + stime) a process has used: a frozen one uses none. */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function psLine(w: World, name: string): string {
  return w.run(['ps', '-a']).stdout.split('\n').find((l) => l.trimEnd().endsWith(` ${name}`)) ?? '';
}

function state(w: World, name: string): { Status: string; Running: boolean; Paused: boolean; ExitCode: number | null } {
  return JSON.parse(w.run(['inspect', name]).stdout)[0].State;
}

/** A detached container that spins (it uses CPU while it is not frozen); its PID 1. */
function spinner(w: World, name: string): number {
  const r = w.run(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'while :; do :; done']);
  assert.equal(r.status, 0, r.stderr);
  const pid = w.record(r.stdout.trim())?.state.pid;
  assert.ok(pid);
  return pid;
}

describe('pause and unpause', { skip }, () => {
  test('pause freezes every process; ps, inspect, exec and events say so; unpause thaws; Docker\'s errors', async (t) => {
    const w = worldFor(t, 'pause', { image: true });
    const pid = spinner(w, 'spin');
    const p = w.run(['pause', 'spin']);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, 'spin\n');

    const before = cpuTicks(pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(cpuTicks(pid), before, 'a frozen process uses no CPU');
    assert.match(psLine(w, 'spin'), /Up .* \(Paused\)/);
    assert.match(w.run(['ps']).stdout, /spin/, 'ps without -a lists a paused container');
    assert.match(w.run(['ps', '--filter', 'status=paused', '--format', '{{.Names}} {{.State}}']).stdout, /^spin paused$/m);
    assert.deepEqual(
      (({ Status, Running, Paused }) => ({ Status, Running, Paused }))(state(w, 'spin')),
      { Status: 'paused', Running: true, Paused: true },
    );

    const again = w.run(['pause', 'spin']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /container spin is already paused/);
    const exec = w.run(['exec', 'spin', 'true']);
    assert.notEqual(exec.status, 0);
    assert.match(exec.stderr, /container spin is paused, unpause the container before exec/);

    const u = w.run(['unpause', 'spin']);
    assert.equal(u.status, 0, u.stderr);
    const thawed = cpuTicks(pid);
    await waitFor(() => cpuTicks(pid) > thawed, 'the thawed process to run again');
    assert.deepEqual((({ Status, Paused }) => ({ Status, Paused }))(state(w, 'spin')), { Status: 'running', Paused: false });
    assert.match(psLine(w, 'spin'), /Up [^(]*spin$/);
    const notPaused = w.run(['unpause', 'spin']);
    assert.equal(notPaused.status, 1);
    assert.match(notPaused.stderr, /container spin is not paused/);

    const actions = fs.readFileSync(`${w.root}/events.log`, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { Action: string }).Action);
    assert.ok(actions.includes('pause') && actions.includes('unpause'), actions.join(' '));

    assert.equal(w.run(['kill', 'spin']).status, 0);
    await waitFor(() => /Exited/.test(psLine(w, 'spin')), 'the container to end');
    const stopped = w.run(['pause', 'spin']);
    assert.equal(stopped.status, 1);
    assert.match(stopped.stderr, /container spin is not running/);
    assert.match(w.run(['unpause', 'spin']).stderr, /container spin is not running/);
  });

  test('kill (SIGKILL), stop and rm -f of a paused container thaw it for the kill', async (t) => {
    const w = worldFor(t, 'pausekill', { image: true });
    spinner(w, 'pk');
    spinner(w, 'ps');
    spinner(w, 'pr');
    for (const name of ['pk', 'ps', 'pr']) assert.equal(w.run(['pause', name]).status, 0);

    // SIGKILL: sent, then the container thawed so that it takes it.
    assert.equal(w.run(['kill', 'pk']).status, 0);
    await waitFor(() => /Exited \(137\)/.test(psLine(w, 'pk')), 'the killed container to end');

    // stop: SIGTERM waits in the frozen process (and PID 1 ignores it anyway), then SIGKILL thaws it.
    const stop = w.run(['stop', '-t', '1', 'ps']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(psLine(w, 'ps'), /Exited \(137\)/);

    const rm = w.run(['rm', '-f', 'pr']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal(psLine(w, 'pr'), '');
    await waitFor(() => w.cgroups().filter((dir) => !dir.endsWith(w.cgroupParent)).length === 0 || undefined, 'the containers\' groups to be removed');
  });

  test('a signal other than SIGKILL waits in a paused container until unpause', async (t) => {
    const w = worldFor(t, 'pausesig', { image: true });
    const r = w.run(['run', '-d', '--name', 'trap', 'busybox', 'sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.05; done']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(w.run(['pause', 'trap']).status, 0);
    assert.equal(w.run(['kill', '-s', 'USR1', 'trap']).status, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(state(w, 'trap').Status, 'paused', 'still paused: the signal waits');
    assert.equal(w.run(['unpause', 'trap']).status, 0);
    await waitFor(() => /Exited \(7\)/.test(psLine(w, 'trap')), 'the trap to run once thawed');
  });
});
