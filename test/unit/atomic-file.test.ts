// The state writer against a fake file system that fills up: short writes are completed, a full
// disk throws and leaves neither a temporary file nor a changed target, durable writes fsync the
// file and its directory; and a name reservation that cannot be written leaves no name file.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAll, writeFileAtomic, type FileIo } from '../../hooks/atomic-file.js';
import { isStateFileError } from '../../hooks/state-file.js';
import { readNameFile, reserveName, reserveNameSyncingLater, type LaterNameIo } from '../../src/container/name-file.js';
import { tempDir } from '../support/tmp.js';

const ID = 'c'.repeat(64);

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/**
 * Real files, but writes go through `write`: it gets how many bytes are asked and returns how many
 * it takes (or throws). Records the calls, to check the fsyncs.
 */
function fakeIo(write: (asked: number, call: number) => number): FileIo & { calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  return {
    calls,
    openSync: (file, flags, mode) => {
      calls.push(`open ${path.basename(file)}`);
      return fs.openSync(file, flags, mode);
    },
    writeSync: (fd, buffer, offset, length) => {
      const take = write(length, n++);
      calls.push(`write ${take}/${length}`);
      return fs.writeSync(fd, buffer, offset, take);
    },
    fsyncSync: (fd) => {
      calls.push('fsync');
      fs.fsyncSync(fd);
    },
    closeSync: (fd) => fs.closeSync(fd),
    renameSync: (from, to) => {
      calls.push('rename');
      fs.renameSync(from, to);
    },
    rmSync: (file, options) => fs.rmSync(file, options),
  };
}

describe('writeAll', () => {
  it('writes the rest again after a short write, until all is written', (t) => {
    const file = path.join(tempDir(t), 'f');
    const fd = fs.openSync(file, 'w');
    // A disk that takes 3 bytes per call, as one filling up may.
    const io = fakeIo((asked) => Math.min(asked, 3));
    writeAll(fd, 'hello, world', io);
    fs.closeSync(fd);
    assert.equal(fs.readFileSync(file, 'utf8'), 'hello, world');
    assert.deepEqual(io.calls, ['write 3/12', 'write 3/9', 'write 3/6', 'write 3/3']);
  });

  it('throws when a write takes nothing, rather than looping forever', (t) => {
    const fd = fs.openSync(path.join(tempDir(t), 'f'), 'w');
    t.after(() => fs.closeSync(fd));
    assert.throws(() => writeAll(fd, 'abc', fakeIo(() => 0)), /short write: 0 of 3 bytes written/);
  });
});

describe('writeFileAtomic', () => {
  it('completes short writes: the file holds all of the content', (t) => {
    const file = path.join(tempDir(t), 'state.json');
    writeFileAtomic(file, 'x'.repeat(100), { io: fakeIo((asked) => Math.min(asked, 7)) });
    assert.equal(fs.readFileSync(file, 'utf8'), 'x'.repeat(100));
  });

  it('on a full disk, throws and leaves the old content and no temporary file', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'repositories.json');
    fs.writeFileSync(file, '{"a:latest":"x"}');
    // Half of it fits, then the disk is full.
    const io = fakeIo((asked, call) => {
      if (call === 0) return Math.floor(asked / 2);
      throw enospc();
    });
    assert.throws(() => writeFileAtomic(file, '{"a:latest":"x","b:latest":"y"}', { io }), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOSPC');
    assert.equal(fs.readFileSync(file, 'utf8'), '{"a:latest":"x"}');
    assert.deepEqual(fs.readdirSync(dir), ['repositories.json']);
    assert.ok(!io.calls.includes('rename'), 'a half-written file is never renamed into place');
  });

  it('durable: fsyncs the file before the rename and the directory after it', (t) => {
    const file = path.join(tempDir(t), 'repositories.json');
    const io = fakeIo((asked) => asked);
    writeFileAtomic(file, '{}', { durable: true, io });
    assert.deepEqual(
      io.calls.map((c) => c.replace(/tmp-.*/, 'tmp')),
      ['open repositories.json.tmp', 'write 2/2', 'fsync', 'rename', `open ${path.basename(path.dirname(file))}`, 'fsync'],
    );
    const plain = fakeIo((asked) => asked);
    writeFileAtomic(file, '{}', { io: plain });
    assert.ok(!plain.calls.includes('fsync'), 'a container record is not fsync\'d');
  });

  it('untorn: fsyncs the file before the rename, not the directory (the address maps)', (t) => {
    const file = path.join(tempDir(t), 'ipam.json');
    const io = fakeIo((asked) => asked);
    writeFileAtomic(file, '{}', { untorn: true, io });
    assert.deepEqual(io.calls.map((c) => c.replace(/tmp-.*/, 'tmp')), ['open ipam.json.tmp', 'write 2/2', 'fsync', 'rename']);
  });
});

describe('name reservation', () => {
  it('writes the ID whole and fsyncs it; a taken name is refused', (t) => {
    const file = path.join(tempDir(t), 'web');
    const io = fakeIo((asked) => Math.min(asked, 10));
    assert.equal(reserveName(file, ID, io), true);
    assert.equal(fs.readFileSync(file, 'utf8'), ID);
    assert.equal(io.calls.filter((c) => c === 'fsync').length, 2, 'the file and its directory');
    assert.equal(reserveName(file, 'd'.repeat(64)), false);
    assert.equal(readNameFile(file), ID);
  });

  it('a name that cannot be written on a full disk leaves no name file behind', (t) => {
    const file = path.join(tempDir(t), 'web');
    const io = fakeIo((_asked, call) => {
      if (call === 0) return 5;
      throw enospc();
    });
    assert.throws(() => reserveName(file, ID, io), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOSPC');
    assert.equal(fs.existsSync(file), false, 'the name is free again');
    assert.equal(reserveName(file, ID), true);
  });

  it('syncing later: the ID is written at once, the file and then its directory fsync\'d after', async (t) => {
    const file = path.join(tempDir(t), 'web');
    const synced: string[] = [];
    const pending: Array<() => void> = [];
    const io: LaterNameIo = {
      ...fakeIo((asked) => Math.min(asked, 10)),
      // fsync as libuv's pool does it: later, then the callback.
      fsync: (fd, done) => void pending.push(() => {
        synced.push(fs.fstatSync(fd).isDirectory() ? 'directory' : 'file');
        done(null);
      }),
    };
    const durable = reserveNameSyncingLater(file, ID, io);
    assert.ok(durable !== null);
    assert.equal(readNameFile(file), ID, 'reserved and whole before any fsync');
    assert.deepEqual(synced, []);
    while (synced.length < 2) {
      await new Promise((resolve) => setImmediate(resolve));
      pending.shift()?.();
    }
    await durable;
    assert.deepEqual(synced, ['file', 'directory']);
    assert.equal(reserveNameSyncingLater(file, 'd'.repeat(64)), null, 'a taken name');
    assert.equal(readNameFile(file), ID);
  });

  it('syncing later: a failed fsync rejects, a failed write leaves no name file', async (t) => {
    const dir = tempDir(t);
    const io: LaterNameIo = { ...fakeIo((asked) => asked), fsync: (_fd, done) => setImmediate(() => done(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }))) };
    await assert.rejects(reserveNameSyncingLater(path.join(dir, 'a'), ID, io)!, (e: unknown) => (e as NodeJS.ErrnoException).code === 'EIO');
    const full: LaterNameIo = { ...fakeIo(() => { throw enospc(); }), fsync: fs.fsync };
    assert.throws(() => reserveNameSyncingLater(path.join(dir, 'b'), ID, full), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOSPC');
    assert.equal(fs.existsSync(path.join(dir, 'b')), false, 'the name is free again');
    await reserveNameSyncingLater(path.join(dir, 'b'), ID);
    assert.equal(readNameFile(path.join(dir, 'b')), ID);
  });

  it('a name file that holds no ID is reported, not taken for a free or unknown name', (t) => {
    const file = path.join(tempDir(t), 'web');
    fs.writeFileSync(file, '');
    assert.throws(() => readNameFile(file), (e: unknown) => isStateFileError(e) && e.message === `${file}: empty, it must hold a container ID` && /remove the file/.test(e.hint ?? ''));
    fs.writeFileSync(file, 'garbage');
    assert.throws(() => readNameFile(file), /must hold a container ID \(64 hex digits\)/);
    assert.equal(readNameFile(path.join(path.dirname(file), 'other')), null);
  });
});
