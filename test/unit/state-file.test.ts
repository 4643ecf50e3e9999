// The validators of state files: the checks' messages, the container record's check on `{}`,
// truncated JSON and wrong types, the exit file (an empty one is no exit code, never 0), and the
// full-disk error the CLI prints.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { integer, isStateFileError, listOf, nullable, object, oneOf, optional, parseStateFile, recordOf, string, type Check } from '../../hooks/state-file.js';
import { containerRecordCheck } from '../../src/container/record-check.js';
import { endOf, readExitFile } from '../../src/container/exit-file.js';
import { MydockerError, NoSuchContainerError, PluginError, fileError, noSpaceError } from '../../src/errors.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const FILE = '/state/containers/x/container.json';

function problem(text: string, check: Check<unknown> = containerRecordCheck): string {
  try {
    parseStateFile(FILE, text, check, 'the hint');
  } catch (error) {
    assert.ok(isStateFileError(error));
    assert.equal(error.hint, 'the hint');
    assert.equal(error.file, FILE);
    return error.message;
  }
  assert.fail('no problem found');
}

describe('state file checks', () => {
  it('words what is wrong by field', () => {
    const check = object({ a: object({ b: nullable(integer) }), c: listOf(string), d: optional(oneOf('x', 'y')), e: recordOf(string) });
    const ok = { a: { b: null }, c: ['s'], e: { k: 'v' } };
    assert.deepEqual(parseStateFile(FILE, JSON.stringify(ok), check), ok);
    assert.equal(problem('{"a": {"b": "1"}, "c": [], "e": {}}', check), `${FILE}: field a.b must be an integer or null`);
    assert.equal(problem('{"a": {"b": 1}, "c": [1], "e": {}}', check), `${FILE}: field c[0] must be a string`);
    assert.equal(problem('{"a": {"b": 1}, "c": [], "d": "z", "e": {}}', check), `${FILE}: field d must be one of "x", "y"`);
    assert.equal(problem('{"a": {"b": 1}, "c": [], "e": {"k": 2}}', check), `${FILE}: field e.k must be a string`);
    assert.equal(problem('{"c": [], "e": {}}', check), `${FILE}: field a is missing`);
    assert.equal(problem('[]', check), `${FILE}: the content must be an object`);
    assert.equal(problem('{"a": ', check), `${FILE}: not valid JSON`);
    assert.equal(problem('', check), `${FILE}: empty, not valid JSON`);
  });

  it('a container record of {}, cut short, or of wrong types is refused, by field', () => {
    const good = makeRecord({ id: 'a'.repeat(64) });
    assert.deepEqual(parseStateFile(FILE, JSON.stringify(good), containerRecordCheck), good);
    assert.equal(problem('{}'), `${FILE}: field id is missing`);
    assert.equal(problem(JSON.stringify(good).slice(0, 100)), `${FILE}: not valid JSON`);
    const wrong = (over: Record<string, unknown>) => JSON.stringify({ ...good, ...over });
    assert.equal(problem(wrong({ state: { ...good.state, pid: '12' } })), `${FILE}: field state.pid must be an integer or null`);
    assert.equal(problem(wrong({ state: { ...good.state, status: 'paused' } })), `${FILE}: field state.status must be one of "created", "running", "exited"`);
    assert.equal(problem(wrong({ command: 'sh' })), `${FILE}: field command must be a list`);
    assert.equal(problem(wrong({ pluginState: { p: 3 } })), `${FILE}: field pluginState.p must be an object`);
    assert.equal(problem(wrong({ security: { privileged: 'no' } })), `${FILE}: field security.privileged must be true or false`);
    // Older records without security or detached are fine.
    const old: Record<string, unknown> = { ...good };
    delete old.security;
    delete old.detached;
    assert.ok(parseStateFile(FILE, JSON.stringify(old), containerRecordCheck));
  });

  it('ok (the pass that builds no message) agrees with find on every value, and a check without it is asked find', () => {
    const good = makeRecord({ id: 'a'.repeat(64), labels: { a: 'b' }, options: { publish: ['80'] }, detached: { log: 'l', exitFile: 'e' } });
    const values: unknown[] = [good, {}, [], null, 'x'];
    const variants: Array<Record<string, unknown>> = [
      { id: 'A'.repeat(64) },
      { labels: { a: 1 } },
      { labels: undefined },
      { command: ['sh', 2] },
      { options: { anything: [{ at: 'all' }] } },
      { state: { ...good.state, pidStartTime: Infinity } },
      { state: { ...good.state, exitCode: 1.5 } },
      { detached: { log: 'l' } },
      { restart: { policy: { name: 'always', maxRetries: 0 }, count: 0, waiting: { pid: 1, startTime: null, since: '' } } },
      { restart: { policy: { name: 'sometimes', maxRetries: 0 }, count: 0 } },
      { pluginState: { p: { k: [1, { x: null }] } } },
      { pluginState: { p: [] } },
      { healthcheck: { Test: ['CMD', 'true'], Retries: '3' } },
    ];
    for (const over of variants) values.push({ ...good, ...over });
    const missing: Record<string, unknown> = { ...good };
    delete missing.pluginState;
    values.push(missing);
    for (const value of values) {
      assert.equal(containerRecordCheck.ok?.(value), containerRecordCheck.find(value, '') === null, JSON.stringify(value).slice(0, 120));
    }
    // A check a plugin wrote by hand has only find: the combinators ask it.
    const even: Check<number> = { what: 'an even number', find: (v, field) => (typeof v === 'number' && v % 2 === 0 ? null : `field ${field} must be even`) };
    const check = object({ n: even, list: listOf(even) });
    assert.equal(check.ok?.({ n: 2, list: [4] }), true);
    assert.equal(check.ok?.({ n: 2, list: [3] }), false);
    assert.equal(problem('{"n": 2, "list": [3]}', check), `${FILE}: field list[0] must be even`);
  });
});

describe('the exit file', () => {
  it('reads the code the shim wrote; an empty or garbled one is reported, never read as 0', (t) => {
    const file = path.join(tempDir(t), 'exit-status');
    assert.equal(readExitFile(file), null, 'no file yet: still running');
    fs.writeFileSync(file, '3\n');
    assert.equal(readExitFile(file)?.code, 3);
    for (const text of ['', 'x\n', '256\n', '-1\n', '3\n4\n']) {
      fs.writeFileSync(file, text);
      assert.throws(() => readExitFile(file), (e: unknown) => isStateFileError(e) && e.file === file, JSON.stringify(text));
    }
    // ps and inspect: no code, and why (inspect's State.Error).
    fs.writeFileSync(file, '');
    const record = makeRecord({ detached: { log: '/l', exitFile: file } });
    assert.deepEqual(endOf(record), { exitCode: null, finishedAt: null, error: `${file}: empty, it must hold an exit code` });
  });
});

describe('a full disk', () => {
  const root = '/var/lib/mydocker';
  const full = (file?: string) => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', ...(file ? { path: file } : {}) });

  it('is one line naming the state root, from any layer that met it', () => {
    const plain = noSpaceError(full(), root);
    assert.ok(plain instanceof MydockerError && plain.exitCode === 125);
    assert.equal(plain.message, `no space left on the file system of the state root ${root}`);
    assert.equal(plain.hint, 'free space and retry');
    const fromPlugin = noSpaceError(new PluginError('mydocker:volumes', 'prepareRootfs', full(`${root}/volumes/x`)), root);
    assert.equal(fromPlugin?.message, `no space left on the file system of the state root ${root}`);
    const wrapped = noSpaceError(new MydockerError('cannot extract archive entry "big": no space left on the device', { cause: full() }), root);
    assert.equal(wrapped?.message, `no space left on the file system of the state root ${root}`);
  });

  it('names the file when it is elsewhere (save -o on another disk), and leaves other failures alone', () => {
    assert.equal(noSpaceError(full('/mnt/usb/out.tar'), root)?.message, 'no space left on the file system of /mnt/usb/out.tar');
    assert.equal(fileError(full(), 'write', '/mnt/usb/out.tar').message, 'no space left on the file system of /mnt/usb/out.tar');
    assert.equal(noSpaceError(new NoSuchContainerError('web'), root), undefined);
    assert.equal(noSpaceError(Object.assign(new Error('x'), { code: 'EACCES' }), root), undefined);
  });
});
