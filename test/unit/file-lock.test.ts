// withFileLock with the real flock (no root needed): holders in one process queue instead of
// deadlocking on the main thread, and run one at a time; a missing directory is made, or, for a
// container's lock, means running unlocked.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { withFileLock } from '../../hooks/file-lock.js';
import { libcKernel } from '../../src/kernel/libc.js';
import { tempDir } from '../support/tmp.js';

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

  it('makes a missing directory, or runs unlocked when told the directory may be gone', async (t) => {
    const dir = tempDir(t);
    assert.equal(await withFileLock(libcKernel(), path.join(dir, 'made/lock'), async () => 1), 1);
    assert.ok(fs.existsSync(path.join(dir, 'made/lock')));
    assert.equal(await withFileLock(libcKernel(), path.join(dir, 'gone/lock'), async () => 2, { missingDirectory: 'unlocked' }), 2);
    assert.equal(fs.existsSync(path.join(dir, 'gone')), false);
  });
});
