import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { extractLayer, layerDirName } from '../../src/image/extract-layer.js';
import { MydockerError } from '../../src/errors.js';
import { buildTar, streamOf, type RawEntry } from '../support/tar-builder.js';
import { tempDir } from '../support/tmp.js';

interface World {
  base: string;
  /** The extraction target. */
  dir: string;
  /** A host directory next to it that nothing may touch. */
  sentinel: string;
}

function world(t: { after(fn: () => void): void }): World {
  const base = tempDir(t, 'mydocker-extract-');
  const sentinel = path.join(base, 'sentinel');
  fs.mkdirSync(sentinel, { mode: 0o700 });
  fs.utimesSync(sentinel, new Date(1_000_000_000), new Date(1_000_000_000));
  return { base, dir: path.join(base, 'target'), sentinel };
}

/** Nothing outside the target: the sentinel is empty and unchanged, the base holds only the two. */
function assertContained(w: World): void {
  assert.deepEqual(fs.readdirSync(w.sentinel), [], 'something was written into the sentinel directory');
  const st = fs.statSync(w.sentinel);
  assert.equal(st.mode & 0o7777, 0o700, 'the sentinel directory mode changed');
  assert.equal(st.mtimeMs, 1_000_000_000, 'the sentinel directory mtime changed');
  assert.deepEqual(fs.readdirSync(w.base).filter((n) => n !== 'target' && n !== 'sentinel'), [], 'something was written next to the target');
}

function sha256(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

async function tarOf(cwd: string, entries: string[]): Promise<Buffer> {
  // sync: tar 7.5's async Pack never ends for some trees with hard links (seen with bin/, etc/, ro/).
  const pack = tar.create({ cwd, portable: true, mtime: new Date(0), sync: true }, entries);
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  return new Promise((resolve, reject) => {
    pack.on('error', reject);
    if (pack.emittedEnd) resolve(Buffer.concat(chunks));
    else pack.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function extractRaw(w: World, entries: RawEntry[]) {
  return extractLayer(streamOf(buildTar(entries)), false, w.dir);
}

/** Directory entries for every ancestor of an absolute host path, so it can be recreated inside. */
function dirsFor(hostPath: string): RawEntry[] {
  const parts = hostPath.split('/').filter(Boolean);
  return parts.map((_, i) => ({ name: `${parts.slice(0, i + 1).join('/')}/`, type: 'dir' as const }));
}

function unsafe(e: unknown): boolean {
  assert.ok(e instanceof MydockerError, `expected MydockerError, got ${String(e)}`);
  assert.match(e.message, /contains '\.\.'/);
  return true;
}

describe('extractLayer with archives made by tar', () => {
  async function staged(t: { after(fn: () => void): void }): Promise<{ w: World; buf: Buffer }> {
    const w = world(t);
    const staging = path.join(w.base, 'staging');
    fs.mkdirSync(path.join(staging, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(staging, 'etc'));
    fs.mkdirSync(path.join(staging, 'ro'));
    fs.writeFileSync(path.join(staging, 'bin/tool'), '#!/bin/sh\necho hi\n');
    fs.chmodSync(path.join(staging, 'bin/tool'), 0o755);
    fs.writeFileSync(path.join(staging, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    fs.writeFileSync(path.join(staging, 'ro/inner'), 'x');
    fs.chmodSync(path.join(staging, 'ro'), 0o555);
    fs.symlinkSync('/bin/tool', path.join(staging, 'bin/abs-link'));
    fs.symlinkSync('tool', path.join(staging, 'bin/rel-link'));
    fs.linkSync(path.join(staging, 'bin/tool'), path.join(staging, 'bin/hard'));
    const buf = await tarOf(staging, ['bin', 'etc', 'ro']);
    fs.chmodSync(path.join(staging, 'ro'), 0o755);
    fs.rmSync(staging, { recursive: true });
    return { w, buf };
  }

  it('extracts files, directories, links and modes', async (t) => {
    const { w, buf } = await staged(t);
    const result = await extractLayer(streamOf(buf), false, w.dir);
    assert.equal(fs.readFileSync(path.join(w.dir, 'bin/tool'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(fs.statSync(path.join(w.dir, 'bin/tool')).mode & 0o7777, 0o755);
    assert.equal(fs.readlinkSync(path.join(w.dir, 'bin/abs-link')), '/bin/tool', 'symlink targets are kept verbatim');
    assert.equal(fs.readlinkSync(path.join(w.dir, 'bin/rel-link')), 'tool');
    assert.equal(fs.statSync(path.join(w.dir, 'bin/hard')).ino, fs.statSync(path.join(w.dir, 'bin/tool')).ino);
    // (tar's portable mode makes the archived 'ro' 0755; hand-made archives test read-only dirs)
    assert.equal(fs.readFileSync(path.join(w.dir, 'ro/inner'), 'utf8'), 'x');
    assert.equal(fs.statSync(w.dir).mode & 0o7777, 0o755);
    assert.equal(result.size, '#!/bin/sh\necho hi\n'.length + 'root:x:0:0::/root:/bin/sh\n'.length + 1);
    assert.deepEqual(result.skipped, []);
    assertContained(w);
  });

  it('digest is the sha256 of the uncompressed tar, stable across runs', async (t) => {
    const { w, buf } = await staged(t);
    const first = await extractLayer(streamOf(buf), false, w.dir);
    const second = await extractLayer(streamOf(buf, 4096), false, path.join(w.base, 'target'));
    assert.equal(first.digest, sha256(buf));
    assert.equal(second.digest, first.digest);
    assert.match(layerDirName(first.digest), /^[0-9a-f]{64}$/);
  });

  it('reads gzip input when gzip=true, with the digest of the uncompressed tar', async (t) => {
    const { w, buf } = await staged(t);
    const result = await extractLayer(streamOf(gzipSync(buf)), true, w.dir);
    assert.equal(result.digest, sha256(buf));
    assert.notEqual(result.digest, sha256(gzipSync(buf)));
    assert.equal(fs.readFileSync(path.join(w.dir, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
  });

  it('refuses input that is not gzip when gzip=true', async (t) => {
    const { w, buf } = await staged(t);
    await assert.rejects(extractLayer(streamOf(buf), true, w.dir), (e: unknown) => e instanceof MydockerError && /cannot read the archive/.test(e.message));
  });
});

describe('extractLayer with hostile archives', () => {
  it("refuses '../escape' and writes nothing outside", async (t) => {
    const w = world(t);
    await assert.rejects(extractRaw(w, [{ name: '../escape', type: 'file', content: 'pwned' }]), unsafe);
    await assert.rejects(extractRaw(w, [{ name: '../sentinel/escape', type: 'file', content: 'pwned' }]), unsafe);
    await assert.rejects(extractRaw(w, [{ name: 'a/../../escape', type: 'dir' }]), unsafe);
    assertContained(w);
  });

  it('stops at the first unsafe entry but still reads the whole archive', async (t) => {
    const w = world(t);
    await assert.rejects(
      extractRaw(w, [
        { name: 'before', type: 'file', content: '1' },
        { name: '../escape', type: 'file', content: 'pwned' },
        { name: 'after', type: 'file', content: '2' },
      ]),
      unsafe,
    );
    assert.equal(fs.existsSync(path.join(w.dir, 'after')), false);
    assertContained(w);
  });

  it('puts an absolute path inside the directory', async (t) => {
    const w = world(t);
    await extractRaw(w, [
      { name: '/abs', type: 'file', content: 'inside' },
      ...dirsFor(w.sentinel).map((e) => ({ ...e, name: `/${e.name}` })),
      { name: `${w.sentinel}/f`, type: 'file', content: 'also inside' },
    ]);
    assert.equal(fs.readFileSync(path.join(w.dir, w.sentinel, 'f'), 'utf8'), 'also inside');
    assert.equal(fs.readFileSync(path.join(w.dir, 'abs'), 'utf8'), 'inside');
    assert.ok(fs.statSync(path.join(w.dir, w.sentinel)).isDirectory());
    assertContained(w);
  });

  it('writes through an absolute symlink inside the root, never on the host', async (t) => {
    const w = world(t);
    await extractRaw(w, [
      { name: 'outside-dir/', type: 'dir' },
      { name: 'link', type: 'symlink', linkname: '/outside-dir' },
      { name: 'link/file', type: 'file', content: 'data' },
      { name: 'sub/deeper/', type: 'dir' },
      { name: 'sub/deeper/link', type: 'symlink', linkname: '/outside-dir' },
      { name: 'sub/deeper/link/file2', type: 'file', content: 'data2' },
    ]);
    assert.equal(fs.readFileSync(path.join(w.dir, 'outside-dir/file'), 'utf8'), 'data');
    assert.equal(fs.readFileSync(path.join(w.dir, 'outside-dir/file2'), 'utf8'), 'data2');
    assert.equal(fs.readlinkSync(path.join(w.dir, 'link')), '/outside-dir');
    assertContained(w);
  });

  it('a symlink to the real host directory does not reach it', async (t) => {
    const w = world(t);
    const entries: RawEntry[] = [
      { name: 'esc', type: 'symlink', linkname: w.sentinel },
      { name: 'esc/pwned', type: 'file', content: 'pwned' },
    ];
    await extractRaw(w, entries);
    assert.equal(fs.readFileSync(path.join(w.dir, w.sentinel, 'pwned'), 'utf8'), 'pwned');
    assertContained(w);
  });

  it("a relative symlink full of '..' stops at the root", async (t) => {
    const w = world(t);
    await extractRaw(w, [
      { name: 'rel', type: 'symlink', linkname: '../../..' },
      { name: 'rel/x', type: 'file', content: 'x' },
      { name: 'sub/', type: 'dir' },
      { name: 'sub/up', type: 'symlink', linkname: '../../sentinel' },
      { name: 'sentinel/', type: 'dir' },
      { name: 'sub/up/y', type: 'file', content: 'y' },
    ]);
    assert.equal(fs.readFileSync(path.join(w.dir, 'x'), 'utf8'), 'x');
    assert.equal(fs.readFileSync(path.join(w.dir, 'sentinel/y'), 'utf8'), 'y');
    assertContained(w);
  });

  it("refuses a hard link to '../../etc/passwd'", async (t) => {
    const w = world(t);
    await assert.rejects(extractRaw(w, [{ name: 'passwd', type: 'hardlink', linkname: '../../etc/passwd' }]), unsafe);
    assert.equal(fs.existsSync(path.join(w.dir, 'passwd')), false);
    assertContained(w);
  });

  it('resolves a hard link through a symlink inside the root', async (t) => {
    const w = world(t);
    fs.writeFileSync(path.join(w.base, 'host-file'), 'host');
    t.after(() => fs.rmSync(path.join(w.base, 'host-file'), { force: true }));
    const hostFile = path.join(w.base, 'host-file');
    await extractRaw(w, [
      ...dirsFor(w.base),
      { name: `${hostFile.slice(1)}`, type: 'file', content: 'inner' },
      { name: 'root', type: 'symlink', linkname: '/' },
      { name: 'h1', type: 'hardlink', linkname: `root${hostFile}` },
      { name: 'h2', type: 'hardlink', linkname: hostFile },
    ]);
    const hostIno = fs.statSync(hostFile).ino;
    for (const h of ['h1', 'h2']) {
      assert.equal(fs.readFileSync(path.join(w.dir, h), 'utf8'), 'inner', h);
      assert.notEqual(fs.statSync(path.join(w.dir, h)).ino, hostIno, `${h} is linked to the host file`);
    }
    assert.equal(fs.readFileSync(hostFile, 'utf8'), 'host');
    assert.equal(fs.statSync(hostFile).nlink, 1);
  });

  it('a hard link to a symlink links the symlink, not its host target', async (t) => {
    const w = world(t);
    await extractRaw(w, [
      { name: 's', type: 'symlink', linkname: path.join(w.sentinel, 'f') },
      { name: 'h', type: 'hardlink', linkname: 's' },
    ]);
    assert.ok(fs.lstatSync(path.join(w.dir, 'h')).isSymbolicLink());
    assertContained(w);
  });

  it('a file replaces a symlink of the same name instead of writing through it', async (t) => {
    const w = world(t);
    const hostFile = path.join(w.sentinel, 'victim');
    await extractRaw(w, [
      { name: 'f', type: 'symlink', linkname: hostFile },
      { name: 'f', type: 'file', content: 'new' },
      { name: 'd', type: 'symlink', linkname: w.sentinel },
      { name: 'd/', type: 'dir', mode: 0o777 },
    ]);
    assert.ok(fs.lstatSync(path.join(w.dir, 'f')).isFile());
    assert.equal(fs.readFileSync(path.join(w.dir, 'f'), 'utf8'), 'new');
    assert.ok(fs.lstatSync(path.join(w.dir, 'd')).isDirectory());
    assertContained(w);
  });

  it(
    'a directory later replaced by a symlink does not get its mode applied through the link',
    async (t) => {
      const w = world(t);
      await extractRaw(w, [
        { name: 'd/', type: 'dir', mode: 0o777, mtime: 12345 },
        { name: 'd', type: 'symlink', linkname: w.sentinel },
      ]);
      assert.ok(fs.lstatSync(path.join(w.dir, 'd')).isSymbolicLink());
      assertContained(w);
    },
  );

  it(
    'a directory whose parent is later replaced by a symlink does not get its mode applied on the host',
    async (t) => {
      const w = world(t);
      await extractRaw(w, [
        { name: 'a/sentinel/', type: 'dir', mode: 0o777, mtime: 12345 },
        { name: 'a', type: 'symlink', linkname: w.base },
      ]);
      assertContained(w);
    },
  );

  it('gives a read-only directory its mode and mtime after its children are in', async (t) => {
    const w = world(t);
    await extractRaw(w, [
      { name: 'ro/', type: 'dir', mode: 0o555, mtime: 1_600_000_000 },
      { name: 'ro/sub/', type: 'dir', mode: 0o500, mtime: 1_500_000_000 },
      { name: 'ro/sub/file', type: 'file', content: 'x', mode: 0o400, mtime: 1_400_000_000 },
    ]);
    const ro = fs.statSync(path.join(w.dir, 'ro'));
    assert.equal(ro.mode & 0o7777, 0o555);
    assert.equal(ro.mtimeMs, 1_600_000_000_000);
    const sub = fs.statSync(path.join(w.dir, 'ro/sub'));
    assert.equal(sub.mode & 0o7777, 0o500);
    assert.equal(sub.mtimeMs, 1_500_000_000_000);
    const file = fs.statSync(path.join(w.dir, 'ro/sub/file'));
    assert.equal(file.mode & 0o7777, 0o400);
    assert.equal(file.mtimeMs, 1_400_000_000_000);
    assert.equal(fs.readFileSync(path.join(w.dir, 'ro/sub/file'), 'utf8'), 'x');
  });

  it('creates missing parent directories, as docker import and GNU tar do', async (t) => {
    const w = world(t);
    await extractRaw(w, [
      { name: 'a/b/file', type: 'file', content: 'deep' },
      { name: 'l', type: 'symlink', linkname: '/x/y' },
      { name: 'l/z/file', type: 'file', content: 'via link' },
    ]);
    assert.equal(fs.readFileSync(path.join(w.dir, 'a/b/file'), 'utf8'), 'deep');
    assert.equal(fs.readFileSync(path.join(w.dir, 'x/y/z/file'), 'utf8'), 'via link');
    assertContained(w);
  });

  it('keeps setuid bits and skips device nodes and fifos', async (t) => {
    const w = world(t);
    const result = await extractRaw(w, [
      { name: 'suid', type: 'file', content: 'x', mode: 0o4755 },
      { name: 'null', type: 'chardev' },
      { name: 'pipe', type: 'fifo' },
    ]);
    assert.equal(fs.statSync(path.join(w.dir, 'suid')).mode & 0o7777, 0o4755);
    assert.equal(fs.existsSync(path.join(w.dir, 'null')), false);
    assert.equal(fs.existsSync(path.join(w.dir, 'pipe')), false);
    assert.deepEqual(result.skipped, ['null (CharacterDevice)', 'pipe (FIFO)']);
  });
});

describe('extractLayer whiteouts', () => {
  const recorder = () => {
    const calls: string[] = [];
    return {
      calls,
      kernel: () => ({
        mknod: (p: string, mode: number, major: number, minor: number) => {
          calls.push(`mknod ${p} ${mode.toString(8)} ${major}:${minor}`);
          fs.writeFileSync(p, ''); // stands for the device node
        },
        setxattr: (p: string, name: string, value: string) => void calls.push(`setxattr ${p} ${name}=${value}`),
      }),
    };
  };

  it('turns .wh.NAME into an overlay whiteout and .wh..wh..opq into an opaque directory', async (t) => {
    const w = world(t);
    const { calls, kernel } = recorder();
    const entries: RawEntry[] = [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/.wh.group', type: 'file', content: '' },
      { name: 'usr/sbin/', type: 'dir' },
      { name: 'usr/sbin/.wh..wh..opq', type: 'file', content: '' },
      { name: 'usr/sbin/only', type: 'file', content: 'x' },
    ];
    await extractLayer(streamOf(buildTar(entries)), false, w.dir, kernel);
    assert.deepEqual(calls, [`mknod ${path.join(w.dir, 'etc/group')} 20000 0:0`, `setxattr ${path.join(w.dir, 'usr/sbin')} trusted.overlay.opaque=y`]);
    assert.ok(!fs.existsSync(path.join(w.dir, 'etc/.wh.group')), 'the marker itself is not extracted');
    assert.deepEqual(fs.readdirSync(path.join(w.dir, 'usr/sbin')), ['only']);
    assertContained(w);
  });

  it('a whiteout cannot reach outside the layer through a link', async (t) => {
    const w = world(t);
    const { calls, kernel } = recorder();
    const entries: RawEntry[] = [
      { name: 'out', type: 'symlink', linkname: w.sentinel },
      { name: 'out/.wh.victim', type: 'file', content: '' },
    ];
    await extractLayer(streamOf(buildTar(entries)), false, w.dir, kernel);
    assert.deepEqual(calls, [`mknod ${path.join(w.dir, w.sentinel, 'victim')} 20000 0:0`]);
    assertContained(w);
  });

  it('refuses whiteouts when it has no way to make them, and a whiteout of nothing', async (t) => {
    const w = world(t);
    await assert.rejects(extractLayer(streamOf(buildTar([{ name: '.wh.x', type: 'file', content: '' }])), false, w.dir), /whiteout/);
    const w2 = world(t);
    await assert.rejects(extractLayer(streamOf(buildTar([{ name: 'd/.wh.', type: 'file', content: '' }])), false, w2.dir, recorder().kernel), /whiteout of nothing/);
    const w3 = world(t);
    // ".wh..." would hide "..": the parent of the layer itself.
    await assert.rejects(extractLayer(streamOf(buildTar([{ name: '.wh...', type: 'file', content: '' }])), false, w3.dir, recorder().kernel), /whiteout of nothing/);
    assertContained(w3);
  });
});

describe('extractLayer with damaged input', () => {
  const refusal = (pattern: RegExp) => (e: unknown) => e instanceof MydockerError && pattern.test(e.message);

  it('refuses what is not a tar archive, and an empty input', async (t) => {
    await assert.rejects(extractLayer(streamOf(Buffer.from('hello, not a tar\n')), false, world(t).dir), refusal(/^the input is not a tar archive$/));
    await assert.rejects(extractLayer(streamOf(Buffer.alloc(0)), false, world(t).dir), refusal(/^the input is not a tar archive$/));
  });

  it('takes an archive of no entries (two zero blocks), as an empty layer has', async (t) => {
    const result = await extractLayer(streamOf(Buffer.alloc(1024)), false, world(t).dir);
    assert.equal(result.digest, sha256(Buffer.alloc(1024)));
  });

  it('refuses an archive cut short, and one with a damaged header', async (t) => {
    const whole = buildTar([{ name: 'a', type: 'file', content: 'x'.repeat(5000) }]);
    await assert.rejects(extractLayer(streamOf(whole.subarray(0, 1536)), false, world(t).dir), refusal(/^the archive is truncated/));
    const damaged = Buffer.from(whole);
    damaged[10] = damaged[10]! ^ 1; // a byte of the name: the checksum no longer matches
    await assert.rejects(extractLayer(streamOf(damaged), false, world(t).dir), refusal(/^the archive is damaged: checksum failure$/));
  });

  it('refuses a hard link to an entry the archive never made, or to a directory', async (t) => {
    const w = world(t);
    await assert.rejects(
      extractRaw(w, [{ name: 'b', type: 'hardlink', linkname: 'missing' }]),
      refusal(/^archive entry "b" is a hard link to "missing", which is not in the archive before it$/),
    );
    await assert.rejects(extractRaw(world(t), [{ name: 'd', type: 'dir' }, { name: 'b', type: 'hardlink', linkname: 'd' }]), refusal(/hard link to "d", a directory$/));
    assertContained(w);
  });
});
