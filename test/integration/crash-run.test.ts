// Fault injection (issue 13): `run`, `run -d` and `start` killed (SIGKILL, through the test-only
// MYDOCKER_TEST_STOP_AT hook, hooks/stop-point.ts) at each of their steps; `rm -f` afterwards must
// leave the host exactly as before: no files of the container, mounts, cgroups, links, rules,
// addresses, names, locks, and nothing for `system check` to find.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { integrationSkipReason, shimSkipReason, worldFor, type World } from '../support/world.js';
import { leftovers, quiet, tracedIds } from '../support/leftovers.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

/** The steps of a run, in order (run.ts, store.ts, the cgroups and network plugins). */
const RUN_STEPS = [
  'run:name-reserved',
  'run:record-written',
  'setup:rootfs-mounted',
  'setup:rootfs-prepared',
  'cgroups:intent-saved',
  'cgroups:one-created',
  'setup:launched',
  'setup:cgroups-applied',
  'network:address-allocated',
  'network:proxy-started',
  'network:joined',
  'setup:network-ready',
];

/** A published port too, so that rules tagged with the container are made (and must go). */
const RUN_ARGS = ['--name', 'victim', '-p', '47813:80', '-m', '64m', 'busybox', 'sleep', '1000'];

function killedAt(w: World, step: string, args: string[]): void {
  const r = w.run(args, { env: { MYDOCKER_TEST_STOP_AT: step } });
  assert.equal(r.status, null, `mydocker ${args.join(' ')} should have been killed at ${step}: exited ${r.status}: ${r.stderr}`);
}

async function removeAndCheck(w: World, step: string): Promise<void> {
  const ids = tracedIds(w);
  const rm = w.run(['rm', '-f', 'victim']);
  assert.equal(rm.status, 0, `rm -f after a kill at ${step}: ${rm.stderr}`);
  await quiet(w);
  assert.deepEqual(leftovers(w, ids), [], `left after a kill at ${step} and rm -f`);
}

describe('a run killed at any step leaves nothing that rm -f does not remove', { skip }, () => {
  for (const detach of [true, false]) {
    const steps = detach ? [...RUN_STEPS, 'setup:started'] : RUN_STEPS;
    test(`run${detach ? ' -d' : ''}, killed at each step`, async (t) => {
      const w = worldFor(t, detach ? 'crash-rund' : 'crash-run', { image: true });
      for (const step of steps) {
        killedAt(w, step, ['run', ...(detach ? ['-d'] : []), ...RUN_ARGS]);
        await removeAndCheck(w, step);
      }
    });
  }

  test('run --rm killed once its layer is mounted volatile: start mounts it again (overlayfs\'s mark goes), rm -f leaves nothing', async (t) => {
    const w = worldFor(t, 'crash-rm', { image: true });
    for (const step of ['setup:rootfs-prepared', 'setup:network-ready']) {
      killedAt(w, step, ['run', '--rm', '--net', 'none', '--name', 'victim', 'busybox', 'sleep', '1000']);
      const start = w.run(['start', 'victim']);
      assert.equal(start.status, 0, `start after a kill at ${step}: ${start.stderr}`);
      await removeAndCheck(w, step);
    }
  });

  test('start killed at each step: the next start works (no second mount), rm -f leaves nothing', async (t) => {
    const w = worldFor(t, 'crash-start', { image: true });
    for (const step of ['setup:rootfs-mounted', 'setup:rootfs-prepared', 'setup:launched', 'cgroups:one-created', 'network:joined', 'setup:network-ready']) {
      const made = w.run(['run', '-d', ...RUN_ARGS]);
      assert.equal(made.status, 0, made.stderr);
      assert.equal(w.run(['stop', '-t', '0', 'victim']).status, 0);
      killedAt(w, step, ['start', 'victim']);
      await quiet(w);
      const again = w.run(['start', 'victim']);
      assert.equal(again.status, 0, `start after a start killed at ${step}: ${again.stderr}`);
      const roots = w.mounts().filter((m) => m.endsWith('/merged'));
      assert.equal(roots.length, 1, `one mount of the root after a start killed at ${step}: ${roots.join(', ')}`);
      await removeAndCheck(w, step);
    }
  });

  test('rm -f killed at each step: rm -f again removes what is left, by name', async (t) => {
    const w = worldFor(t, 'crash-rm', { image: true });
    for (const step of ['rm:killed', 'rm:released', 'rm:dir-renamed', 'rm:name-removed']) {
      const made = w.run(['run', '-d', ...RUN_ARGS]);
      assert.equal(made.status, 0, made.stderr);
      killedAt(w, step, ['rm', '-f', 'victim']);
      await quiet(w);
      // rm by name, as the user knows it; after the name went, by the ID it printed.
      const byName = w.run(['rm', '-f', 'victim']);
      if (step === 'rm:name-removed') assert.equal(w.run(['rm', '-f', made.stdout.trim()]).status, 0);
      else assert.equal(byName.status, 0, `rm -f after an rm killed at ${step}: ${byName.stderr}`);
      await quiet(w);
      assert.deepEqual(leftovers(w, [made.stdout.trim()]), [], `left after an rm killed at ${step}`);
    }
  });

  test('a name left by a killed run: run --name says which ID holds it, and rm -f of that ID frees it', async (t) => {
    const w = worldFor(t, 'crash-name', { image: true });
    killedAt(w, 'run:name-reserved', ['run', '-d', ...RUN_ARGS]);
    const ids = tracedIds(w);
    assert.equal(ids.length, 1);
    const short = ids[0]!.slice(0, 12);
    // Never taken over, and never a dead end: the message names the holder and what frees the name.
    for (let i = 0; i < 2; i++) {
      const again = w.run(['run', '--rm', '--name', 'victim', 'busybox', 'true']);
      assert.equal(again.status, 125);
      assert.equal(again.stderr, `mydocker: the container name "victim" is held by container ${short}, which has no record (a run or rm killed half-way) (mydocker rm -f ${short} removes what is left of it and frees the name)\n`);
    }
    const rm = w.run(['rm', '-f', short]);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(leftovers(w, ids), []);
    const named = w.run(['run', '--rm', '--name', 'victim', 'busybox', 'true']);
    assert.equal(named.status, 0, named.stderr);
  });

  test('system check finds what a killed run left, and --fix removes it', async (t) => {
    const w = worldFor(t, 'crash-check', { image: true });
    killedAt(w, 'run:name-reserved', ['run', '-d', ...RUN_ARGS]);
    const ids = tracedIds(w);
    const findings = w.systemCheck();
    // One line per object: the name file, the only thing made before the kill.
    assert.equal(findings.length, 1, findings.join('\n'));
    assert.match(findings[0]!, /^name victim: \/\S+\/names\/victim \(held for [0-9a-f]{12}; container [0-9a-f]{12} has no record: a run or rm killed half-way\)$/);
    assert.equal(w.run(['system', 'check']).status, 1);
    const fix = w.run(['system', 'check', '--fix']);
    assert.equal(fix.status, 0, fix.stderr);
    assert.deepEqual(fix.stdout.split('\n').filter(Boolean), findings.map((f) => `removed: ${f}`));
    assert.equal(w.run(['system', 'check']).status, 0);
    assert.deepEqual(leftovers(w, ids), []);
    // The name is free again.
    const again = w.run(['run', '--rm', '--name', 'victim', 'busybox', 'true']);
    assert.equal(again.status, 0, again.stderr);
  });
});
