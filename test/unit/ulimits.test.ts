// `run --ulimit` as Docker's: NAME=SOFT[:HARD], -1 unlimited, the last of a name winning; and what
// the init's launch message carries for it (RLIM_INFINITY for -1).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { initRlimits, parseUlimit, parseUlimits } from '../../src/process/rlimits.js';
import { encodeInitConfig } from '../../src/process/first-process.js';

describe('--ulimit', () => {
  it('NAME=SOFT[:HARD]: the hard limit defaults to the soft one; -1 is unlimited', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
    assert.deepEqual(parseUlimit('nproc=64'), { Name: 'nproc', Soft: 64, Hard: 64 });
    assert.deepEqual(parseUlimit('core=-1'), { Name: 'core', Soft: -1, Hard: -1 });
    assert.deepEqual(parseUlimit('core=0:-1'), { Name: 'core', Soft: 0, Hard: -1 });
  });

  it('refuses what Docker refuses, in one line naming the flag', () => {
    for (const [spec, reason] of [
      ['nofile', /no NAME=/],
      ['=5', /no NAME=/],
      ['bogus=1', /"bogus" is no resource limit/],
      ['nofile=a', /whole numbers or -1/],
      ['nofile=1:2:3', /whole numbers or -1/],
      ['nofile=2048:1024', /soft limit must not exceed the hard limit \(2048 > 1024\)/],
      ['nofile=-1:1024', /soft limit must not exceed/],
      ['nofile=99999999999999999999', /whole numbers|too large/],
    ] as const) {
      assert.throws(() => parseUlimit(spec), (e: Error) => e.message.startsWith(`invalid --ulimit "${spec}": `) && reason.test(e.message), spec);
    }
  });

  it('the last of a name wins; the init gets <sys/resource.h> numbers', () => {
    const limits = parseUlimits(['nofile=10', 'nproc=5', 'nofile=20:30']);
    assert.deepEqual(limits, [{ Name: 'nofile', Soft: 20, Hard: 30 }, { Name: 'nproc', Soft: 5, Hard: 5 }]);
    assert.deepEqual(initRlimits(limits), [{ resource: 7, soft: 20, hard: 30 }, { resource: 6, soft: 5, hard: 5 }]);
    assert.deepEqual(initRlimits(undefined), []);
  });

  it('encodes -1, and an OCI config\'s 2^64-1 that JSON rounded up, as RLIM_INFINITY', () => {
    const infinity = Buffer.alloc(8, 0xff);
    // JSON.parse('18446744073709551615') is 2 ** 64: the nearest double.
    for (const n of [-1, JSON.parse('18446744073709551615') as number]) {
      const message = encodeInitConfig({ argv: ['true'], env: [], cwd: '/', tty: null, rlimits: [{ resource: 4, soft: n, hard: n }] });
      assert.ok(message.includes(Buffer.concat([Buffer.from([4, 0, 0, 0]), infinity, infinity])), String(n));
    }
  });
});
