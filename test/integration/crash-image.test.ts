// Fault injection (issue 13): `import` and `commit` killed (SIGKILL, through the test-only
// MYDOCKER_TEST_STOP_AT hook, hooks/stop-point.ts) at each of their steps. Whatever a kill leaves is
// either an orphan `system check` finds and `--fix` removes (staging directories, a layer no image
// has) or a whole image (a record without a name is Docker's dangling image: `images` lists it as
// <none>, `rmi ID` removes it); either way the state root is then exactly as before. And a sweep run
// while an import is at work leaves its staging and its new layer alone (the image store's lock).
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { integrationSkipReason, worldFor, type World } from '../support/world.js';
import { pausedAt } from '../support/pause.js';
import { tempDir } from '../support/tmp.js';

const skip = integrationSkipReason() ?? false;

/** The steps of adding a layer and its image (ImageStore: addLayer, writeImage), in order. */
const LAYER_STEPS = ['layer:staging-made', 'layer:extracted', 'layer:in-place', 'image:record-written', 'image:tagged'];
/** commit stages the container's changes first (runtime/images.ts). */
const COMMIT_STEPS = ['commit:staging-made', 'commit:changes-staged', ...LAYER_STEPS];

/** The state of the root: every path under its data directories, with the content of image files. */
function snapshot(w: World): string[] {
  const entries: string[] = [];
  const walk = (rel: string): void => {
    const full = path.join(w.root, rel);
    const stat = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      entries.push(`${rel}/`);
      for (const child of fs.readdirSync(full).sort()) walk(path.join(rel, child));
    } else if (rel.startsWith('images/') && stat.isFile()) {
      entries.push(`${rel} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex').slice(0, 12)}`);
    } else {
      entries.push(rel);
    }
  };
  for (const dir of ['containers', 'names', 'locks', 'tmp', 'storage', 'layers', 'images', 'networks', 'volumes']) walk(dir);
  return [...entries, ...w.mounts().map((m) => `mount ${m}`)];
}

function killedAt(w: World, step: string, args: string[]): void {
  const r = w.run(args, { env: { MYDOCKER_TEST_STOP_AT: step } });
  assert.equal(r.status, null, `mydocker ${args.join(' ')} should have been killed at ${step}: exited ${r.status}: ${r.stderr}`);
}

/**
 * After a kill at `step`: the sweep removes the orphans it finds, then the image the command got to
 * name or write, if any, goes with `rmi` as a user would remove it; the root is then as `before`.
 */
function sweepAndCheck(w: World, step: string, ref: string, before: string[], orphans: RegExp[]): void {
  const found = w.systemCheck();
  assert.equal(found.length, orphans.length, `findings after a kill at ${step}:\n${found.join('\n')}`);
  orphans.forEach((orphan, i) => assert.match(found[i]!, orphan, `after a kill at ${step}`));
  const fix = w.run(['system', 'check', '--fix']);
  assert.equal(fix.status, 0, `system check --fix after a kill at ${step}: ${fix.stderr}`);
  assert.deepEqual(fix.stdout.split('\n').filter(Boolean), found.map((f) => `removed: ${f}`));
  const listed = w.run(['images']).stdout;
  if (step === 'image:record-written') {
    // Written, not named yet: an image all the same, listed as Docker lists a dangling one.
    const dangling = /^<none>\s+<none>\s+([0-9a-f]{12})\s/m.exec(listed);
    assert.ok(dangling, `a nameless image after a kill at ${step}:\n${listed}`);
    assert.equal(w.run(['rmi', dangling[1]!]).status, 0);
  } else if (step === 'image:tagged') {
    assert.equal(w.run(['rmi', ref]).status, 0, `the image is whole after a kill at ${step}`);
  } else {
    assert.doesNotMatch(listed, /<none>|victim/, `no image after a kill at ${step}`);
  }
  assert.deepEqual(snapshot(w), before, `the root after a kill at ${step}, the sweep and rmi`);
  assert.deepEqual(w.systemCheck(), []);
}

/** A small rootfs archive (outside the root) whose layer is new to the store, /marker holding `marker`. */
function archive(t: { after(fn: () => void): void }, marker = 'imported'): string {
  const dir = tempDir(t);
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.symlinkSync('busybox', path.join(rootfs, 'bin/cat'));
  fs.writeFileSync(path.join(rootfs, 'marker'), `${marker}\n`);
  const file = path.join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', file, '.']);
  return file;
}

const STAGING = (dir: string): RegExp => new RegExp(`^staging \\S+: /\\S+/${dir}/\\S+ \\(`);
const LAYER = /^layer sha256:[0-9a-f]{12}: \/\S+\/layers\/[0-9a-f]{64} \(no image has it\)$/;

/** What the sweep finds after a kill of `import` at each step. */
const IMPORT_ORPHANS: Record<string, RegExp[]> = {
  'layer:staging-made': [STAGING('layers')],
  'layer:extracted': [STAGING('layers')],
  'layer:in-place': [LAYER],
  'image:record-written': [],
  'image:tagged': [],
};

describe('import and commit killed at any step leave nothing the sweep (or rmi) does not remove', { skip }, () => {
  test('import, killed at each step', (t) => {
    const w = worldFor(t, 'crash-import', { image: true });
    const file = archive(t);
    const before = snapshot(w);
    for (const step of LAYER_STEPS) {
      killedAt(w, step, ['import', file, 'victim:1']);
      sweepAndCheck(w, step, 'victim:1', before, IMPORT_ORPHANS[step]!);
    }
  });

  test('commit, killed at each step', (t) => {
    const w = worldFor(t, 'crash-commit', { image: true });
    const made = w.run(['run', '--name', 'box', 'busybox', 'sh', '-c', 'echo changed > /new; rm /etc/group']);
    assert.equal(made.status, 0, made.stderr);
    const before = snapshot(w);
    for (const step of COMMIT_STEPS) {
      killedAt(w, step, ['commit', 'box', 'victim:1']);
      // The container's changes staged in tmp/ are left until its layer is in the store (found
      // first; removed before the image record is written), then the layer's as for import.
      const staged = step.startsWith('commit:') || step.startsWith('layer:') ? [STAGING('tmp')] : [];
      sweepAndCheck(w, step, 'victim:1', before, [...staged, ...(step.startsWith('commit:') ? [] : IMPORT_ORPHANS[step]!)]);
    }
    // And the commit itself still works, its layer carrying the deletion.
    assert.equal(w.run(['commit', 'box', 'snap:1']).status, 0);
    const r = w.run(['run', '--rm', 'snap:1', 'sh', '-c', 'cat /new; ls /etc/group 2>&1']);
    assert.match(r.stdout, /^changed\n.*No such file/s);
  });

  test('a sweep while an import is at work leaves its staging and its new layer alone', async (t) => {
    const w = worldFor(t, 'crash-import-race', { image: true });
    for (const step of ['layer:extracted', 'layer:in-place', 'image:record-written']) {
      const file = archive(t, step); // a layer new to the store each time
      const held = pausedAt(w, step);
      const importing = w.start(['import', file, `racer:${step.replace(/:/g, '-')}`], held.env);
      const exited = new Promise<number | null>((resolve) => importing.on('close', resolve));
      await held.reached();
      const fix = w.run(['system', 'check', '--fix']);
      held.release();
      assert.equal(fix.status, 0, fix.stderr);
      assert.equal(fix.stdout, '', `nothing to remove while the import is held at ${step}`);
      assert.equal(await exited, 0, `the import held at ${step} ends well`);
      const r = w.run(['run', '--rm', `racer:${step.replace(/:/g, '-')}`, 'cat', '/marker']);
      assert.equal(r.status, 0, `the image imported during a sweep at ${step} runs: ${r.stderr}`);
      assert.equal(r.stdout, `${step}\n`);
    }
  });
});
