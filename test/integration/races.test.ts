// Races between commands (issue 13), each run many times: two `rm -f` of one container, `rm -f`
// during `run -d`, `network rm` during `run --net`. Whatever the interleaving, each command either
// does its work or refuses with one line, and nothing is left once the last one is done.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { bridgeName, networkTag } from '../../plugins/network/bridge/rules.js';
import { integrationSkipReason, shimSkipReason, worldFor, type CliResult, type World } from '../support/world.js';
import { leftovers, quiet, tracedIds } from '../support/leftovers.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;
const ROUNDS = 6;

/** Runs the CLI in the background; resolves with its result. */
function background(w: World, args: string[]): Promise<CliResult> {
  const child: ChildProcess = w.start(args);
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

  test('rm -f during run -d: when rm says it removed the container, nothing of it runs or is left', async (t) => {
    const w = worldFor(t, 'race-runrm', { image: true });
    for (let round = 0; round < ROUNDS; round++) {
      const running = background(w, ['run', '-d', '--name', 'racer', 'busybox', 'sleep', '1000']);
      // Spread the rm over the run's steps, round after round.
      await new Promise((resolve) => setTimeout(resolve, 100 + round * 80));
      const rm = await background(w, ['rm', '-f', 'racer']);
      const run = await running;
      const ids = tracedIds(w);
      if (rm.status === 0 && run.status === 0) {
        assert.deepEqual(w.records(), [], `round ${round}: rm -f said done, yet the run's container is there`);
      } else {
        assert.ok(rm.status === 0 || /no such container/.test(rm.stderr), `round ${round}: rm -f: ${rm.stderr}`);
        assert.equal(w.run(['rm', '-f', 'racer']).status === 0 || w.records().length === 0, true);
      }
      await quiet(w);
      assert.deepEqual(leftovers(w, [...ids, run.stdout.trim()].filter(Boolean)), [], `round ${round}`);
    }
  });

  test('network rm during run --net: never both; nothing of the network is left once it is removed', async (t) => {
    const w = worldFor(t, 'race-netrm', { image: true });
    for (let round = 0; round < ROUNDS; round++) {
      const created = w.run(['network', 'create', '--subnet', '172.29.250.0/24', 'racenet']);
      assert.equal(created.status, 0, created.stderr);
      const networkId = created.stdout.trim();
      const running = background(w, ['run', '-d', '--net', 'racenet', 'busybox', 'sleep', '1000']);
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 60));
      const removed = await background(w, ['network', 'rm', 'racenet']);
      const run = await running;
      assert.ok(!(removed.status === 0 && run.status === 0), `round ${round}: both network rm and run --net succeeded`);
      for (const id of w.containerIds()) assert.equal(w.run(['rm', '-f', id]).status, 0);
      if (w.networks().some((n) => n.id === networkId)) assert.equal(w.run(['network', 'rm', 'racenet']).status, 0);
      await quiet(w);
      const bridge = bridgeName(networkId);
      const back = [
        ...spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(` ${bridge}:`)),
        ...spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((r) => r.includes(networkTag(networkId))),
      ];
      assert.deepEqual(back, [], `round ${round}: the removed network's bridge or rules are back`);
      assert.deepEqual(w.list('networks').filter((n) => n.startsWith(networkId)), [], `round ${round}: its directory is back`);
    }
  });
});
