// Hand-damaged state files: a record that is truncated, `{}` or of wrong types, a deleted address
// map, a corrupt repositories.json or image record, a container directory deleted while it runs.
// Each is reported by path with what is wrong and what to do, in one line; the other containers'
// commands still work, and nothing is silently taken as empty.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { integrationSkipReason, shimSkipReason, worldFor, type World } from '../support/world.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

function runDetached(w: World, name: string): string {
  const r = w.run(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** One line on stderr, naming the file and what is wrong; `code` as given. */
function reported(w: World, args: string[], code: number, file: string, problem: string): string {
  const r = w.run(args);
  assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  assert.ok(r.stderr.includes(`${file}: ${problem}`), `${args.join(' ')}: ${r.stderr}`);
  return r.stderr;
}

/**
 * A running container's record, to damage; `restore` (in a finally: before the world's cleanup,
 * which finds no pid in a damaged record) kills its process and puts the record back.
 */
function damageable(w: World, id: string): { file: string; restore(): void } {
  const file = path.join(w.root, 'containers', id, 'container.json');
  const original = fs.readFileSync(file, 'utf8');
  const pid = JSON.parse(original).state.pid as number;
  return {
    file,
    restore() {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
      if (fs.existsSync(path.dirname(file))) fs.writeFileSync(file, original);
    },
  };
}

test('a damaged container record is reported and breaks no other container', { skip, timeout: 120_000 }, (t) => {
  const w = worldFor(t, 'corrupt', { image: true });
  const a = runDetached(w, 'aa');
  runDetached(w, 'bb');
  const { file, restore } = damageable(w, a);
  try {
    damagedRecord(w, a, file);
  } finally {
    restore();
  }
  assert.equal(w.run(['stop', '-t', '1', 'bb']).status, 0, 'another container works as ever');
  assert.equal(w.run(['rm', 'bb']).status, 0);
});

function damagedRecord(w: World, a: string, file: string): void {
  const hint = `remove the container with: mydocker rm -f ${a.slice(0, 12)}`;

  for (const [text, problem] of [
    ['{"id": "', 'not valid JSON'],
    ['{}', 'field id is missing'],
    [JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), state: { status: 'running', pid: 'x' } }), 'field state.pid must be an integer or null'],
  ]) {
    fs.writeFileSync(file, text!);
    // ps: the others, and a word that one cannot be read; ps -a: it too, as Dead.
    const ps = w.run(['ps']);
    assert.equal(ps.status, 0, ps.stderr);
    assert.match(ps.stdout, /bb\n$/);
    assert.ok(!ps.stdout.includes(a.slice(0, 12)));
    assert.equal(ps.stderr, `mydocker: container ${a.slice(0, 12)} cannot be read and may be running (see: mydocker ps -a)\n`);
    const all = w.run(['ps', '-a', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(all.map((c) => [c.Names, c.State, c.Status]).sort(), [['aa', 'dead', 'Dead'], ['bb', 'running', all.find((c) => c.Names === 'bb').Status]]);
    for (const args of [['inspect', 'aa'], ['stop', 'aa'], ['rm', 'aa'], ['inspect', a.slice(0, 8)]]) {
      const line = reported(w, args, 125, file, problem!);
      assert.ok(line.includes(hint), line);
    }
    // Removing what it may be using is refused while it cannot be read.
    const net = w.run(['network', 'rm', 'bridge']);
    assert.equal(net.status, 1);
    assert.match(net.stderr, new RegExp(`network bridge has containers attached: bb, ${a.slice(0, 12)} \\(its record cannot be read`));
    assert.equal(w.run(['inspect', 'bb']).status, 0);
  }
}

test('a deleted address map is not made again empty while the network has running containers', { skip, timeout: 120_000 }, (t) => {
  const w = worldFor(t, 'ipam', { image: true });
  runDetached(w, 'aa');
  const network = fs.readdirSync(path.join(w.root, 'networks')).find((f) => /^[0-9a-f]{64}$/.test(f))!;
  const file = path.join(w.root, 'networks', network, 'ipam.json');
  fs.rmSync(file);
  const line = reported(w, ['run', '--rm', 'busybox', 'true'], 125, file, 'missing, while network bridge has running containers (aa)');
  assert.match(line, /stop them \(or restore the file\)/);
  assert.equal(fs.existsSync(file), false, 'not made again empty (it would give aa\'s address to another container)');
  assert.equal(w.run(['stop', '-t', '1', 'aa']).status, 0);
  const after = w.run(['run', '--rm', 'busybox', 'true']);
  assert.equal(after.status, 0, after.stderr);
  fs.writeFileSync(file, '{"subnet": ');
  reported(w, ['run', '--rm', 'busybox', 'true'], 125, file, 'not valid JSON');
  // As its hint says: with no container on the network, the removed file is made again.
  fs.rmSync(file);
  assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0);
});

test('a corrupt repositories.json or image record is reported, and loses no other name', { skip, timeout: 120_000 }, (t) => {
  const w = worldFor(t, 'images', { image: true });
  assert.equal(w.run(['tag', 'busybox', 'one']).status, 0);
  assert.equal(w.run(['tag', 'busybox', 'two']).status, 0);
  const repos = path.join(w.root, 'images', 'repositories.json');
  const good = fs.readFileSync(repos, 'utf8');
  fs.writeFileSync(repos, good.slice(0, 20));
  reported(w, ['tag', 'busybox', 'three'], 125, repos, 'not valid JSON');
  reported(w, ['images'], 125, repos, 'not valid JSON');
  reported(w, ['run', '--rm', 'busybox', 'true'], 125, repos, 'not valid JSON');
  assert.equal(fs.readFileSync(repos, 'utf8'), good.slice(0, 20), 'not written over with an empty map');
  fs.writeFileSync(repos, good);

  const id = JSON.parse(good)['busybox:latest'] as string;
  const config = path.join(w.root, 'images', `${id.slice(7)}.json`);
  fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), layers: 'x' }));
  reported(w, ['run', '--rm', 'busybox', 'true'], 125, config, 'field layers must be a list');
  const images = w.run(['images']);
  assert.equal(images.status, 0);
  assert.equal(images.stdout.split('\n').filter((l) => l.includes('unreadable')).length, 3);
  assert.match(images.stderr, /field layers must be a list \(remove the image with: mydocker rmi busybox:latest\)/);
  // rmi takes its names away (not "no such image"); the image goes with the last one.
  const rmi = w.run(['rmi', 'one', 'two', 'busybox']);
  assert.equal(rmi.status, 0, rmi.stderr);
  assert.equal(rmi.stdout, `Untagged: one:latest\nUntagged: two:latest\nUntagged: busybox:latest\nDeleted: ${id}\n`);
  assert.equal(fs.existsSync(config), false);
  // Its layer was kept (the damaged record did not say which it had); now that every record can be
  // read, it is known to be no image's: the sweep finds it and removes it.
  const layers = w.list('layers');
  assert.equal(layers.length, 1);
  assert.deepEqual(w.systemCheck(), [`layer sha256:${layers[0]!.slice(0, 12)}: ${path.join(w.root, 'layers', layers[0]!)} (no image has it)`]);
  w.systemCheck(true);
  assert.deepEqual(w.list('layers'), []);
});

test("a container directory deleted while it runs is reported, by name and ID", { skip, timeout: 120_000 }, (t) => {
  const w = worldFor(t, 'gone', { image: true });
  const id = runDetached(w, 'aa');
  runDetached(w, 'bb');
  const dir = path.join(w.root, 'containers', id);
  const { restore } = damageable(w, id);
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const ref of ['aa', id.slice(0, 12)]) reported(w, ['inspect', ref], 125, dir, 'the container directory is missing');
    const all = w.run(['ps', '-a', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(all.map((c) => [c.Names, c.State]).sort(), [['aa', 'dead'], ['bb', 'running']]);
  } finally {
    restore();
  }
  // Its process gone, rm -f removes what is left by the ID alone (the world's system check then finds nothing).
  const rm = w.run(['rm', '-f', 'aa']);
  assert.equal(rm.status, 0, rm.stderr);
  assert.deepEqual(w.run(['ps', '-a', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l).Names), ['bb']);
});
