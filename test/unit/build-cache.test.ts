import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheKey } from '../../src/build/cache-key.js';
import { cacheDir, cacheEntries, cachedImage, forgetImages, recordCached } from '../../src/build/cache.js';
import { digestSources } from '../../src/build/copy.js';
import { IgnoreRules } from '../../src/build/dockerignore.js';
import { ContextTree, expandSources } from '../../src/build/sources.js';
import { isStateFileError } from '../../hooks/state-file.js';
import { makeStaging, orphanStagings } from '../../src/build/staging.js';
import { processStartTime } from '../../src/container/proc-stat.js';
import { tempDir } from '../support/tmp.js';

const IMAGE_A = `sha256:${'a'.repeat(64)}`;
const IMAGE_B = `sha256:${'b'.repeat(64)}`;

describe('build cache keys', () => {
  it('change with the parent, the instruction and the content, and only with them', () => {
    const base = { parent: IMAGE_A, instruction: 'RUN echo hi' };
    assert.equal(cacheKey(base), cacheKey({ ...base }));
    assert.match(cacheKey(base), /^[0-9a-f]{64}$/);
    assert.notEqual(cacheKey(base), cacheKey({ ...base, parent: IMAGE_B }));
    assert.notEqual(cacheKey(base), cacheKey({ ...base, parent: null }));
    assert.notEqual(cacheKey(base), cacheKey({ ...base, instruction: 'RUN echo ho' }));
    assert.notEqual(cacheKey(base), cacheKey({ ...base, content: 'x' }));
  });

  it("follow the copied files' content and mode, not what .dockerignore leaves out", (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'a'), 'one');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub/b'), 'two');
    fs.writeFileSync(path.join(dir, 'ignored'), 'x');
    const digest = (): string => {
      const tree = new ContextTree(dir, new IgnoreRules('ignored\n'));
      return digestSources({ tree, sources: expandSources(tree, ['.'], 'COPY') });
    };
    const first = digest();
    assert.equal(digest(), first);
    fs.writeFileSync(path.join(dir, 'ignored'), 'changed');
    assert.equal(digest(), first, 'an ignored file is not part of it');
    fs.utimesSync(path.join(dir, 'a'), new Date(0), new Date(0));
    assert.equal(digest(), first, 'times are not part of it (as Docker)');
    fs.chmodSync(path.join(dir, 'sub/b'), 0o700);
    const chmodded = digest();
    assert.notEqual(chmodded, first);
    fs.writeFileSync(path.join(dir, 'sub/b'), 'TWO');
    assert.notEqual(digest(), chmodded);
  });
});

describe('build cache index', () => {
  it('records, reads and forgets entries by image', (t) => {
    const root = tempDir(t);
    const key = cacheKey({ parent: null, instruction: 'x' });
    assert.equal(cachedImage(root, key), null);
    recordCached(root, key, IMAGE_A);
    assert.equal(cachedImage(root, key), IMAGE_A);
    assert.equal(fs.statSync(cacheDir(root)).mode & 0o777, 0o700);
    forgetImages(root, new Set([IMAGE_B]));
    assert.equal(cachedImage(root, key), IMAGE_A);
    forgetImages(root, new Set([IMAGE_A]));
    assert.equal(cachedImage(root, key), null);
  });

  it('checks an entry when read: a damaged one is reported, never trusted', (t) => {
    const root = tempDir(t);
    const key = 'c'.repeat(64);
    recordCached(root, key, IMAGE_A);
    fs.writeFileSync(path.join(cacheDir(root), `${key}.json`), '{"image": "sha256:nothex"}');
    assert.throws(() => cachedImage(root, key), (e: unknown) => isStateFileError(e) && /field image must be an image ID/.test((e as Error).message));
    assert.deepEqual(cacheEntries(root).map((e) => e.image), [null]);
  });
});

describe('build context', () => {
  it('keeps COPY sources inside the context', (t) => {
    const parent = tempDir(t);
    const dir = path.join(parent, 'ctx');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(parent, 'outside'), 'secret');
    fs.writeFileSync(path.join(dir, 'in'), 'ok');
    fs.symlinkSync('../outside', path.join(dir, 'up'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'abs'));
    fs.symlinkSync('in', path.join(dir, 'inner'));
    const tree = new ContextTree(dir, new IgnoreRules(''));
    assert.equal(tree.resolve('/in'), 'in', 'an absolute source is taken from the context');
    assert.equal(tree.resolve('inner'), 'in');
    assert.equal(tree.resolve('sub/../in'), 'in');
    assert.throws(() => tree.resolve('../outside'), /forbidden path outside the build context/);
    assert.throws(() => tree.resolve('up'), /forbidden path outside the build context: up is a symlink/);
    assert.throws(() => tree.resolve('abs'), /forbidden path outside the build context/);
    assert.throws(() => expandSources(tree, ['../*'], 'COPY'), /forbidden path/);
    assert.throws(() => expandSources(tree, ['missing'], 'COPY'), /file not found in the build context/);
    assert.deepEqual(expandSources(tree, ['i*'], 'COPY').map((s) => s.rel), ['in', 'inner']);
  });
});

describe('build staging directories', () => {
  it("are orphans once their build's process is gone, a recycled PID included", (t) => {
    const tmp = path.join(tempDir(t), 'tmp');
    const mine = makeStaging(tmp);
    assert.match(path.basename(mine), new RegExp(`^build-${process.pid}-${processStartTime(process.pid)}-`));
    const recycled = path.join(tmp, `build-${process.pid}-1-abc`);
    const gone = path.join(tmp, 'build-2147483646-5-abc');
    fs.mkdirSync(recycled);
    fs.mkdirSync(gone);
    fs.mkdirSync(path.join(tmp, 'commit-abc'));
    assert.deepEqual(orphanStagings(tmp).sort(), [gone, recycled].sort());
  });
});
