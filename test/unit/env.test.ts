import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PATH, buildEnv, parseEnvFile, type EnvInput } from '../../src/container/env.js';
import { MydockerError } from '../../src/errors.js';
import { tempDir } from '../support/tmp.js';

function input(over: Partial<EnvInput> = {}): EnvInput {
  return { imageEnv: [], hostname: 'h1', tty: false, envFiles: [], env: [], callerEnv: {}, ...over };
}

function asMap(env: string[]): Map<string, string> {
  return new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('buildEnv', () => {
  it('gives the defaults: PATH, HOSTNAME, and nothing else (HOME follows the user at start)', () => {
    assert.deepEqual(buildEnv(input()), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h1']);
  });

  it("keeps the image's variables, including its PATH and HOME", () => {
    const env = asMap(buildEnv(input({ imageEnv: ['PATH=/bin', 'HOME=/home/app', 'LANG=C.UTF-8', 'EMPTY='] })));
    assert.equal(env.get('PATH'), '/bin');
    assert.equal(env.get('HOME'), '/home/app');
    assert.equal(env.get('LANG'), 'C.UTF-8');
    assert.equal(env.get('EMPTY'), '');
  });

  it('sets TERM only with a tty', () => {
    assert.equal(asMap(buildEnv(input({ tty: true }))).get('TERM'), 'xterm');
    assert.equal(asMap(buildEnv(input({ tty: false }))).has('TERM'), false);
  });

  it('lets -e override the image, HOSTNAME and HOME, in order', () => {
    const env = asMap(
      buildEnv(input({ imageEnv: ['A=image'], env: ['A=first', 'A=second', 'HOSTNAME=other', 'HOME=/h', 'V=a=b'] })),
    );
    assert.equal(env.get('A'), 'second');
    assert.equal(env.get('HOSTNAME'), 'other');
    assert.equal(env.get('HOME'), '/h');
    assert.equal(env.get('V'), 'a=b');
  });

  it('copies -e NAME from the caller only when the caller has it', () => {
    const env = asMap(buildEnv(input({ env: ['SET', 'UNSET', 'EMPTY'], callerEnv: { SET: 'yes', EMPTY: '', OTHER: 'secret' } })));
    assert.equal(env.get('SET'), 'yes');
    assert.equal(env.get('EMPTY'), '');
    assert.equal(env.has('UNSET'), false);
  });

  it("never passes other host variables, even with the real process.env as caller", () => {
    const callerEnv = { ...process.env, MYDOCKER_UNIT_SECRET: 'leak' };
    const env = buildEnv(input({ callerEnv }));
    assert.equal(env.some((e) => e.startsWith('MYDOCKER_UNIT_SECRET=')), false);
    assert.deepEqual([...asMap(env).keys()].sort(), ['HOSTNAME', 'PATH']);
  });

  it(
    '-e NAME does not take inherited Object properties from the caller env (-e constructor)',
    () => {
      const env = buildEnv(input({ env: ['constructor', 'toString'], callerEnv: process.env }));
      assert.deepEqual(
        env.filter((e) => e.startsWith('constructor=') || e.startsWith('toString=')),
        [],
        `inherited functions leaked into the environment: ${env.join(' | ')}`,
      );
    },
  );

  it('refuses an empty key or a key with whitespace', () => {
    for (const bad of ['=x', 'A B=1', ' A=1', '']) {
      assert.throws(() => buildEnv(input({ env: [bad] })), (e: unknown) => e instanceof MydockerError && /invalid environment variable/.test(e.message) && e.exitCode === 125, bad);
    }
    assert.throws(() => buildEnv(input({ imageEnv: ['B AD=1'] })), /in the image/);
  });

  it('applies env files in order, before -e', (t) => {
    const dir = tempDir(t);
    const f1 = path.join(dir, 'one.env');
    const f2 = path.join(dir, 'two.env');
    fs.writeFileSync(f1, 'A=from1\nB=from1\n');
    fs.writeFileSync(f2, 'B=from2\nC\n');
    const env = asMap(buildEnv(input({ envFiles: [f1, f2], env: ['A=cli'], callerEnv: { C: 'caller' } })));
    assert.equal(env.get('A'), 'cli');
    assert.equal(env.get('B'), 'from2');
    assert.equal(env.get('C'), 'caller');
  });

  it('names the env file in which a bad line is', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'bad.env');
    fs.writeFileSync(f, 'GOOD=1\nBAD KEY=2\n');
    assert.throws(() => buildEnv(input({ envFiles: [f] })), (e: unknown) => e instanceof MydockerError && e.message.includes(f));
  });
});

describe('parseEnvFile', () => {
  it('skips comments and blank lines, strips CR and leading spaces', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'x.env');
    fs.writeFileSync(f, '# comment\r\n\r\nA=1\r\n   # indented comment\n  B=two words  \n\t\nC\nD=#not a comment\n');
    assert.deepEqual(parseEnvFile(f), ['A=1', 'B=two words  ', 'C', 'D=#not a comment']);
  });

  it('refuses a directory and a device, which are no env files (a device would never end)', (t) => {
    const dir = tempDir(t);
    assert.throws(() => parseEnvFile(dir), (e: unknown) => e instanceof MydockerError && /: it is a directory$/.test(e.message));
    assert.throws(() => parseEnvFile('/dev/zero'), (e: unknown) => e instanceof MydockerError && /: it is not a regular file$/.test(e.message));
  });

  it('refuses a missing file with a MydockerError', (t) => {
    const dir = tempDir(t);
    assert.throws(() => parseEnvFile(path.join(dir, 'nope')), (e: unknown) => e instanceof MydockerError && /cannot read env file .*nope: no such file or directory$/.test(e.message));
  });
});
