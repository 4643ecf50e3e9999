import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_VARIABLE_BYTES, checkEnvSize, execLimit, explainE2big } from '../../src/container/env-size.js';
import { MydockerError } from '../../src/errors.js';
import { tempDir } from '../support/tmp.js';

const SIX_MIB = 6 * 1024 * 1024;

function limits(t: { after(fn: () => void): void }, stack: string): string {
  const file = path.join(tempDir(t), 'limits');
  fs.writeFileSync(file, `Limit                     Soft Limit           Hard Limit           Units\nMax cpu time              unlimited            unlimited            seconds\nMax stack size            ${stack}              unlimited            bytes\n`);
  return file;
}

describe('execLimit', () => {
  it('is a quarter of the stack limit, at most 6 MiB, at least 128 KiB (the kernel\'s rule)', (t) => {
    assert.equal(execLimit(limits(t, '8388608')), 2 * 1024 * 1024);
    assert.equal(execLimit(limits(t, 'unlimited')), SIX_MIB);
    assert.equal(execLimit(limits(t, String(64 * 1024 * 1024))), SIX_MIB);
    assert.equal(execLimit(limits(t, '65536')), MAX_VARIABLE_BYTES);
    assert.equal(execLimit('/nonexistent/limits'), SIX_MIB);
  });
});

describe('checkEnvSize', () => {
  it('lets an ordinary environment and command pass', () => {
    checkEnvSize(['PATH=/bin', 'HOSTNAME=h'], ['sh', '-c', 'true'], 4096);
  });

  it('names a variable over 128 KiB, whatever the total', () => {
    const big = `BIG=${'x'.repeat(MAX_VARIABLE_BYTES)}`;
    assert.throws(
      () => checkEnvSize(['A=1', big], [], 100 * 1024 * 1024),
      (e: unknown) => e instanceof MydockerError && /^the environment is too large: variable BIG is 131076 bytes/.test(e.message),
    );
  });

  it('counts every string with its NUL and pointer against the limit', () => {
    // 10 variables of 9 bytes: (9 + 1 + 8) * 10 = 180 bytes.
    const env = Array.from({ length: 10 }, (_, i) => `V${i}=123456`);
    checkEnvSize(env, [], 180);
    assert.throws(() => checkEnvSize(env, [], 179), (e: unknown) => e instanceof MydockerError && /10 variables take 180 bytes, .* at most 179$/.test(e.message));
    assert.throws(() => checkEnvSize(env, ['sh'], 190), (e: unknown) => e instanceof MydockerError && /^the environment and command are too large: 10 variables and 1 arguments take 191 bytes/.test(e.message));
  });
});

describe('explainE2big', () => {
  it('puts a spawn\'s E2BIG into words and leaves other errors alone', () => {
    const e2big = Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG' });
    const explained = explainE2big(e2big);
    assert.ok(explained instanceof MydockerError && /too large/.test(explained.message) && explained.exitCode === 125);
    const other = new Error('other');
    assert.equal(explainE2big(other), other);
  });
});
