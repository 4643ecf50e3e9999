import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isStaticElf } from '../../src/image/busybox.js';
import { tempDir } from '../support/tmp.js';

/** A minimal ELF64 header with the given program header types. */
function elf(types: number[]): Buffer {
  const phoff = 64;
  const phentsize = 56;
  const buf = Buffer.alloc(phoff + phentsize * types.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // ELFCLASS64
  buf[5] = 1; // little endian
  buf.writeBigUInt64LE(BigInt(phoff), 0x20);
  buf.writeUInt16LE(phentsize, 0x36);
  buf.writeUInt16LE(types.length, 0x38);
  types.forEach((type, i) => buf.writeUInt32LE(type, phoff + i * phentsize));
  return buf;
}

describe('isStaticElf', () => {
  it('is false for dynamically linked binaries', () => {
    assert.equal(isStaticElf(process.execPath), false, process.execPath);
  });

  it('is false for /bin/ls', { skip: fs.existsSync('/bin/ls') ? false : '/bin/ls does not exist' }, () => {
    assert.equal(isStaticElf(fs.realpathSync('/bin/ls')), false);
  });

  it('is true for the host\'s static busybox', { skip: fs.existsSync('/bin/busybox') ? false : '/bin/busybox does not exist (apt-get install busybox-static)' }, () => {
    assert.equal(isStaticElf('/bin/busybox'), true);
  });

  it('reads the program headers: PT_INTERP anywhere makes it dynamic', (t) => {
    const dir = tempDir(t);
    const write = (name: string, buf: Buffer): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, buf);
      return file;
    };
    assert.equal(isStaticElf(write('static', elf([1, 1, 4]))), true);
    assert.equal(isStaticElf(write('dynamic', elf([6, 3, 1]))), false);
    assert.equal(isStaticElf(write('dynamic-last', elf([1, 1, 1, 3]))), false);
  });

  it('is false for what is not a 64-bit ELF file', (t) => {
    const dir = tempDir(t);
    const script = path.join(dir, 'script.sh');
    fs.writeFileSync(script, `#!/bin/sh\n${'echo hi\n'.repeat(20)}`);
    assert.equal(isStaticElf(script), false);
    const short = path.join(dir, 'short');
    fs.writeFileSync(short, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2]));
    assert.equal(isStaticElf(short), false);
    const elf32 = elf([1]);
    elf32[4] = 1; // ELFCLASS32
    fs.writeFileSync(path.join(dir, 'elf32'), elf32);
    assert.equal(isStaticElf(path.join(dir, 'elf32')), false);
  });

  it('is false for program headers that run past the end of the file', (t) => {
    const dir = tempDir(t);
    const truncated = elf([1, 1]).subarray(0, 64 + 56 + 2);
    fs.writeFileSync(path.join(dir, 'truncated'), truncated);
    assert.equal(isStaticElf(path.join(dir, 'truncated')), false);
  });
});
