// A full disk under the state root (a small tmpfs, filled up): every command that must write says
// so in one line, exits 125, and leaves nothing behind (no name file, no staging, no layer, no
// half-written map); a detached container that ends meanwhile keeps its exit code and is released.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { integrationSkipReason, shimSkipReason, waitFor, worldFor, type World } from '../support/world.js';
import { tempDir } from '../support/tmp.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

/** Writes into the root until the file system is full; returns the file, to free the space again. */
function fill(root: string): string {
  const file = path.join(root, 'fill');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  try {
    for (;;) {
      try {
        fs.writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
    // The last pages: what is left is smaller than a chunk.
    for (;;) {
      try {
        fs.writeSync(fd, chunk, 0, 4096);
      } catch {
        break;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

function diskFull(w: World, args: string[]): void {
  const r = w.run(args);
  assert.equal(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, `mydocker: no space left on the file system of the state root ${w.root} (free space and retry)\n`, args.join(' '));
}

function listing(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

test('a full state root: one clear line, exit 125, nothing left behind, and exit codes kept', { skip, timeout: 180_000 }, async (t) => {
  const w = worldFor(t, 'diskfull');
  // The root is a 24 MB tmpfs of its own (0710: the root's mode); the world's cleanup unmounts it.
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0710', 'tmpfs', w.root]).status, 0, 'mounting a tmpfs');
  t.after(() => void spawnSync('umount', ['-l', w.root]));
  assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0, 'building the busybox image');
  const holder = w.run(['run', '-d', '--name', 'holder', 'busybox', 'sh', '-c', 'trap "exit 3" USR1; while true; do sleep 0.1; done']);
  assert.equal(holder.status, 0, holder.stderr);
  assert.equal(w.run(['run', '--name', 'stopped', 'busybox', 'sh', '-c', 'echo hi > /file']).status, 0);
  // An archive larger than what is left, kept outside the root.
  const source = tempDir(t);
  fs.writeFileSync(path.join(source, 'big'), Buffer.alloc(6 << 20, 7));
  const archive = path.join(tempDir(t), 'rootfs.tar');
  assert.equal(spawnSync('tar', ['-C', source, '-cf', archive, '.']).status, 0);

  const before = { layers: listing(path.join(w.root, 'layers')), images: fs.readFileSync(path.join(w.root, 'images', 'repositories.json'), 'utf8') };
  const filler = fill(w.root);

  diskFull(w, ['run', '--name', 'n1', 'busybox', 'true']);
  diskFull(w, ['run', '-d', '--name', 'n2', 'busybox', 'true']);
  assert.deepEqual(listing(path.join(w.root, 'names')), ['holder', 'stopped'], 'a failed run --name leaves no name file');
  diskFull(w, ['import', archive, 'imported']);
  diskFull(w, ['commit', 'stopped', 'committed']);
  diskFull(w, ['tag', 'busybox', 'other']);
  assert.deepEqual(listing(path.join(w.root, 'layers')), before.layers, 'no staging directory, no new layer');
  assert.deepEqual(listing(path.join(w.root, 'tmp')), [], 'no commit staging');
  assert.equal(fs.readFileSync(path.join(w.root, 'images', 'repositories.json'), 'utf8'), before.images);
  assert.deepEqual(listing(path.join(w.root, 'images')).filter((f) => f.includes('.tmp-')), [], 'no temporary image record');

  // The detached container ends on the full disk: its code (3) is kept, never read as 0, and what
  // it ran (mounts) is released although its record could not be written.
  const id = holder.stdout.trim();
  assert.equal(w.run(['kill', '-s', 'USR1', 'holder']).status, 0);
  const status = await waitFor(() => {
    const line = w.run(['ps', '-a', '--format', 'json']).stdout.split('\n').find((l) => l.includes('"holder"'));
    return line && JSON.parse(line).State === 'exited' ? (JSON.parse(line).Status as string) : null;
  }, 'the holder to end');
  assert.match(status, /^Exited \(3\)/);
  await waitFor(() => w.mounts().filter((m) => m.includes(id)).length === 0, "the holder's mounts to be released");
  const inspected = JSON.parse(w.run(['inspect', 'holder']).stdout)[0];
  assert.equal(inspected.State.ExitCode, 3);

  // Space again: everything works, and the names the failed runs asked for are free.
  fs.rmSync(filler);
  assert.equal(w.run(['rm', '-f', 'holder', 'stopped']).status, 0);
  const again = w.run(['run', '--rm', '--name', 'n1', 'busybox', 'true']);
  assert.equal(again.status, 0, again.stderr);
});
