// The image store's lock (src/image/image-lock.ts) with the real flock (no root needed): image
// commands hold it shared, together; the sweep gets it only when none does, never waits for it, and
// a command that starts while the sweep holds it waits without blocking the thread.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { holdImageLock, withImageLockIfIdle } from '../../src/image/image-lock.js';
import { libcKernel } from '../../src/kernel/libc.js';
import { tempDir } from '../support/tmp.js';

describe('the image store lock', () => {
  it('is shared by image commands, and the sweep skips while any holds it', async (t) => {
    const images = path.join(tempDir(t), 'images');
    const kernel = libcKernel();
    const first = await holdImageLock(kernel, images);
    const second = await holdImageLock(kernel, images);
    assert.equal(await withImageLockIfIdle(kernel, images, async () => 'swept'), null);
    first();
    assert.equal(await withImageLockIfIdle(kernel, images, async () => 'swept'), null, 'one holder left');
    second();
    second(); // a release is idempotent
    assert.equal(await withImageLockIfIdle(kernel, images, async () => 'swept'), 'swept');
  });

  it('a command waits for the sweep without blocking the thread (the sweep may be this very process)', async (t) => {
    const images = path.join(tempDir(t), 'images');
    const kernel = libcKernel();
    fs.mkdirSync(images);
    const events: string[] = [];
    let holding: Promise<() => void> | undefined;
    await withImageLockIfIdle(kernel, images, async () => {
      holding = holdImageLock(kernel, images).then((release) => (events.push('held'), release));
      await new Promise((resolve) => setTimeout(resolve, 60));
      events.push('swept');
    });
    (await holding!)();
    assert.deepEqual(events, ['swept', 'held']);
  });

  it('there is nothing to sweep before the store exists, and looking does not make it', async (t) => {
    const images = path.join(tempDir(t), 'images');
    assert.equal(await withImageLockIfIdle(libcKernel(), images, async () => 'swept'), null);
    assert.equal(fs.existsSync(images), false);
  });
});
