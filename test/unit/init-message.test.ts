import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { encodeInitConfig } from '../../src/process/first-process.js';

/** Decodes the message the way shim/mydocker-init.c reads it. */
function decode(message: Buffer): Array<{ tag: number; value: Buffer }> {
  assert.equal(message.subarray(0, 4).toString('latin1'), 'MDI1');
  const size = message.readUInt32LE(4);
  assert.equal(size, message.length - 8);
  const fields: Array<{ tag: number; value: Buffer }> = [];
  for (let at = 8; at < message.length; ) {
    const len = message.readUInt32LE(at + 1);
    fields.push({ tag: message[at]!, value: message.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return fields;
}

describe('the launch message of mydocker-init', () => {
  it('carries argv and env untouched, NUL-terminated, in order', () => {
    const fields = decode(encodeInitConfig({ argv: ['sh', '-c', 'echo "a  b"', ''], env: ['A=1', 'B= x '], cwd: '/w' }));
    assert.deepEqual(
      fields.map((f) => [f.tag, f.value.toString()]),
      [[1, 'sh\0'], [1, '-c\0'], [1, 'echo "a  b"\0'], [1, '\0'], [2, 'A=1\0'], [2, 'B= x \0'], [3, '/w\0']],
    );
  });

  it('encodes the user, the five capability sets, no_new_privs, seccomp and the keyring', () => {
    const seccomp = Buffer.alloc(16, 7);
    const fields = decode(
      encodeInitConfig({
        argv: ['true'], env: [], cwd: '/', tty: '/dev/pts/0',
        user: { uid: 1000, gid: 100, additionalGids: [100, 27] },
        capabilities: { bounding: 0xa80425fbn, effective: 1n, permitted: 2n, inheritable: 0n, ambient: 1n << 40n },
        noNewPrivileges: true, seccomp, newKeyring: true,
      }),
    );
    const byTag = new Map(fields.map((f) => [f.tag, f.value]));
    assert.equal(byTag.get(4)!.toString(), '/dev/pts/0\0');
    const user = byTag.get(5)!;
    assert.deepEqual([0, 4, 8, 12, 16].map((o) => user.readUInt32LE(o)), [1000, 100, 2, 100, 27]);
    const caps = byTag.get(6)!;
    assert.deepEqual([0, 8, 16, 24, 32].map((o) => caps.readBigUInt64LE(o)), [0xa80425fbn, 1n, 2n, 0n, 1n << 40n]);
    assert.equal(byTag.get(7)!.length, 0);
    assert.deepEqual(byTag.get(8), seccomp);
    assert.equal(byTag.get(9)!.length, 0);
  });

  it('leaves out what is not asked for', () => {
    const tags = decode(encodeInitConfig({ argv: ['true'], env: [], cwd: '/' })).map((f) => f.tag);
    assert.deepEqual(tags, [1, 3]);
  });

  it("a user namespace to enter (an OCI exec's) comes before the setup steps, which the init takes in order", () => {
    const fields = decode(encodeInitConfig({ argv: ['true'], env: [], cwd: '/', userNamespace: '/proc/1/ns/user', steps: [{ op: 'unshare', flags: 0x02000000 }] }));
    assert.deepEqual(
      fields.map((f) => f.tag),
      [1, 3, 16, 10],
    );
    assert.equal(fields[2]!.value.toString(), '/proc/1/ns/user\0');
  });

  it('--init: one empty field, which mydocker-init reads as "fork the program and stay as its init"', () => {
    const fields = decode(encodeInitConfig({ argv: ['true'], env: [], cwd: '/', stayAsInit: true }));
    assert.deepEqual(fields.map((f) => [f.tag, f.value.length]), [[1, 5], [3, 2], [17, 0]]);
  });

  it('refuses a NUL inside a string (it would cut the argument short)', () => {
    assert.throws(() => encodeInitConfig({ argv: ['echo', 'a\0b'], env: [], cwd: '/' }), /NUL/);
  });
});
