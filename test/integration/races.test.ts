// Races between commands (issue 13): two `rm -f` of one container, run many times; `rm -f` during
// `run -d` and `network rm` during `run --net`, each forced at the worst moment (the run held at a
// named step, MYDOCKER_TEST_PAUSE_AT, while the other command runs). Whatever the interleaving,
// each command either does its work or refuses with one line, and nothing is left once the last
// one is done.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { bridgeName, networkTag } from '../../plugins/network/bridge/rules.js';
import { integrationSkipReason, shimSkipReason, worldFor, type CliResult, type World } from '../support/world.js';
import { leftovers, quiet } from '../support/leftovers.js';
import { pausedAt } from '../support/pause.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;
const ROUNDS = 6;

/** Runs the CLI in the background; resolves with its result. */
function background(w: World, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child: ChildProcess = w.start(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('races', { skip }, () => {
  test('two rm -f of one container: one removes it, the other finds nothing; no crash', async (t) => {
    const w = worldFor(t, 'race-rm', { image: true });
    for (let round = 0; round < ROUNDS; round++) {
      const id = w.run(['run', '-d', '--name', 'twice', 'busybox', 'sleep', '1000']).stdout.trim();
      const results = await Promise.all([background(w, ['rm', '-f', 'twice']), background(w, ['rm', '-f', id])]);
      for (const r of results) assert.ok(r.status === 0 || (r.status === 1 && /no such container/.test(r.stderr)), `rm -f: ${r.status} ${r.stderr}`);
      assert.ok(results.some((r) => r.status === 0), 'one of them removed it');
      await quiet(w);
      assert.deepEqual(leftovers(w, [id]), [], `round ${round}`);
    }
  });

  test('rm -f while run -d is half-way (held after its first process is made): rm waits for the run, then removes all of it', async (t) => {
    const w = worldFor(t, 'race-runrm', { image: true });
    const hold = pausedAt(w, 'setup:launched');
    const running = background(w, ['run', '-d', '--name', 'racer', 'busybox', 'sleep', '1000'], hold.env);
    await hold.reached();
    // The run holds the container's lock from before its name exists: this rm can only wait.
    const removing = background(w, ['rm', '-f', 'racer']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    hold.release();
    const [run, rm] = await Promise.all([running, removing]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(w.records(), [], 'rm -f said done: nothing of the run may be there');
    await quiet(w);
    assert.deepEqual(leftovers(w, [run.stdout.trim()]), []);
  });

  test('run --net while network rm is half-way (checked, not yet deleted): the run waits, then refuses; nothing comes back', async (t) => {
    const w = worldFor(t, 'race-netrm', { image: true });
    const created = w.run(['network', 'create', '--subnet', '172.29.250.0/24', 'racenet']);
    assert.equal(created.status, 0, created.stderr);
    const networkId = created.stdout.trim();
    // network rm has found no member and holds the networks' lock, about to delete.
    const removing = pausedAt(w, 'network-rm:checked');
    const removed = background(w, ['network', 'rm', 'racenet'], removing.env);
    await removing.reached();
    // The run has found the network (and written its record), and goes on to take an address.
    const joining = pausedAt(w, 'network:found');
    const running = background(w, ['run', '-d', '--name', 'member', '--net', 'racenet', 'busybox', 'sleep', '1000'], joining.env);
    await joining.reached();
    joining.release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    removing.release();
    const [rm, run] = await Promise.all([removed, running]);
    assert.equal(rm.status, 0, rm.stderr);
    assert.notEqual(run.status, 0, 'the run joined a network that was removed');
    assert.match(run.stderr, /network racenet not found/);
    for (const id of w.containerIds()) assert.equal(w.run(['rm', '-f', id]).status, 0);
    await quiet(w);
    const bridge = bridgeName(networkId);
    const back = [
      ...spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(` ${bridge}:`)),
      ...spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((r) => r.includes(networkTag(networkId))),
    ];
    assert.deepEqual(back, [], 'the removed network\'s bridge or rules are back');
    assert.deepEqual(w.list('networks').filter((n) => n.startsWith(networkId)), [], 'its directory is back');
  });
});
