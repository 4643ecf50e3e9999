// withFileLock with the real flock (no root needed): holders in one process queue instead of
// deadlocking on the main thread, and run one at a time; a missing directory is made, or, for a
// container's lock, unlinking the file safely: a waiter never ends up locking an unlinked file.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { withFileLock } from '../../hooks/file-lock.js';
import { libcKernel } from '../../src/kernel/libc.js';
import { tempDir } from '../support/tmp.js';
import { spawn, type ChildProcess } from 'node:child_process';

describe('withFileLock', () => {
  it('serializes holders of one process that await inside the lock (flock alone would deadlock them)', async (t) => {
    const file = path.join(tempDir(t), 'lock');
    const events: string[] = [];
    const holder = (name: string) =>
      withFileLock(libcKernel(), file, async () => {
        events.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        events.push(`${name} out`);
        return name;
      });
    assert.deepEqual(await Promise.all([holder('a'), holder('b'), holder('c')]), ['a', 'b', 'c']);
    assert.deepEqual(events, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('releases the lock when the body throws, for the next holder', async (t) => {
    const file = path.join(tempDir(t), 'lock');
    await assert.rejects(withFileLock(libcKernel(), file, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await withFileLock(libcKernel(), file, async () => 'next'), 'next');
  });

  it('makes a missing directory; unlinks the file after the body when told to', async (t) => {
    const dir = tempDir(t);
    assert.equal(await withFileLock(libcKernel(), path.join(dir, 'made/lock'), async () => 1), 1);
    assert.ok(fs.existsSync(path.join(dir, 'made/lock')));
    assert.equal(await withFileLock(libcKernel(), path.join(dir, 'made/lock'), async () => 2, { removeAfter: () => true }), 2);
    assert.equal(fs.existsSync(path.join(dir, 'made/lock')), false);
  });

  it('tryOnly: runs the body when the lock is free, answers busy while another process holds it', async (t) => {
    const file = path.join(tempDir(t), 'lock');
    assert.equal(await withFileLock(libcKernel(), file, async () => 'ran', { tryOnly: { busy: () => 'busy' } }), 'ran');
    const holder = holdInAnotherProcess(file, 'hold');
    await holder.ready;
    assert.equal(await withFileLock(libcKernel(), file, async () => 'ran', { tryOnly: { busy: () => 'busy' } }), 'busy');
    holder.child.kill('SIGKILL');
    await holder.exited;
  });

  it('a waiter whose file was unlinked by the holder locks the new file at the path, not the unlinked one', async (t) => {
    // Without the inode check both holders below would hold "the" lock at once (issue 13, item 5).
    const file = path.join(tempDir(t), 'lock');
    const first = holdInAnotherProcess(file, 'unlink-after');
    await first.ready;
    // A second process waits on the file the first will unlink (the main thread here must not block in flock).
    const second = holdInAnotherProcess(file, 'report');
    // Until it has the file open (it then blocks in flock on it: give it a moment to get there).
    while (!fs.readdirSync(`/proc/${second.child.pid}/fd`).some((fd) => readlinkOrNull(`/proc/${second.child.pid}/fd/${fd}`) === file)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.stdin!.end('go\n');
    await first.exited;
    await second.exited;
    assert.equal(second.output(), 'locked\nfile there: true\n');
  });
});

function readlinkOrNull(link: string): string | null {
  try {
    return fs.readlinkSync(link);
  } catch {
    return null;
  }
}

/**
 * A child process that takes the lock on `file`: 'hold' keeps it until killed, 'unlink-after' unlinks
 * the file and lets go after "go" on its stdin, 'report' prints whether the file is at its path.
 */
function holdInAnotherProcess(file: string, mode: 'hold' | 'unlink-after' | 'report') {
  const lockModule = new URL('../../hooks/file-lock.js', import.meta.url).href;
  const libcModule = new URL('../../src/kernel/libc.js', import.meta.url).href;
  const script = `
    import * as fs from 'node:fs';
    const { withFileLock } = await import(${JSON.stringify(lockModule)});
    const { libcKernel } = await import(${JSON.stringify(libcModule)});
    const mode = ${JSON.stringify(mode)};
    await withFileLock(libcKernel(), ${JSON.stringify(file)}, async () => {
      process.stdout.write('locked\\n');
      if (mode === 'report') return void process.stdout.write('file there: ' + fs.existsSync(${JSON.stringify(file)}) + '\\n');
      if (mode === 'hold') await new Promise(() => {});
      await new Promise((resolve) => process.stdin.once('data', resolve));
    }, { removeAfter: () => mode === 'unlink-after' });
    process.exit(0);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  const ready = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child: child as ChildProcess, ready, exited, output: () => output };
}
