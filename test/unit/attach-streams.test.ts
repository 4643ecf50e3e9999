// What `attach` reads and types: the shim's frames (Docker's multiplexed stream) across chunk
// boundaries, and the detach keys (ctrl-p ctrl-q) picked out of the caller's input.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { frame, frameReader, type OutputStream } from '../../src/runtime/attach-frames.js';
import { DEFAULT_DETACH_KEYS, detachScanner, parseDetachKeys } from '../../src/cli/detach-keys.js';

describe('attach frames', () => {
  it('reads frames split anywhere, and several in one chunk', () => {
    const got: Array<[OutputStream, string]> = [];
    const read = frameReader((stream, data) => got.push([stream, data.toString()]));
    const bytes = Buffer.concat([frame('stdout', Buffer.from('out 1\n')), frame('stderr', Buffer.from('err\n')), frame('stdout', Buffer.alloc(0)), frame('stdout', Buffer.from('x'.repeat(70000)))]);
    for (let at = 0; at < bytes.length; at += 7) read(bytes.subarray(at, at + 7));
    assert.deepEqual(got.slice(0, 3), [['stdout', 'out 1\n'], ['stderr', 'err\n'], ['stdout', '']]);
    assert.equal(got[3]![1].length, 70000);
    // The header as Docker's: kind, three zero bytes, big-endian length.
    assert.deepEqual([...frame('stderr', Buffer.from('ab')).subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 2]);
  });

  it('refuses what is not a frame', () => {
    const read = frameReader(() => {});
    assert.throws(() => read(Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])), /not an attach stream/);
  });
});

describe('detach keys', () => {
  it('parses Docker\'s forms', () => {
    assert.deepEqual([...parseDetachKeys(DEFAULT_DETACH_KEYS)], [0x10, 0x11]);
    assert.deepEqual([...parseDetachKeys('ctrl-a,x,ctrl-[,ctrl-@')], [1, 0x78, 27, 0]);
    assert.throws(() => parseDetachKeys('ctrl-1'), /invalid detach keys/);
    assert.throws(() => parseDetachKeys('ab'), /invalid detach keys/);
  });

  it('detaches on the keys in a row, across chunks, passing on nothing of them', () => {
    const scan = detachScanner(parseDetachKeys(DEFAULT_DETACH_KEYS));
    assert.deepEqual(scan(Buffer.from('ls\n\x10')), { pass: Buffer.from('ls\n'), detach: false });
    assert.deepEqual(scan(Buffer.from('\x11rest')), { pass: Buffer.alloc(0), detach: true });
  });

  it('passes on a prefix followed by another key, whole and in order', () => {
    const scan = detachScanner(parseDetachKeys(DEFAULT_DETACH_KEYS));
    assert.deepEqual(scan(Buffer.from('a\x10b')), { pass: Buffer.from('a\x10b'), detach: false });
    // ctrl-p ctrl-p ctrl-q: the first is passed on, the last two detach.
    assert.deepEqual(scan(Buffer.from('\x10\x10\x11')), { pass: Buffer.from('\x10'), detach: true });
  });
});
