import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile } from '../../src/runtime/config-file.js';
import { MydockerError } from '../../src/errors.js';
import { tempDir } from '../support/tmp.js';

describe('readConfigFile', () => {
  it('a missing file means no plugins', (t) => {
    const dir = tempDir(t);
    assert.deepEqual(readConfigFile(path.join(dir, 'config.json')), { plugins: [] });
  });

  it('an object without "plugins" means no plugins', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{"other": 1}');
    assert.deepEqual(readConfigFile(file), { plugins: [] });
  });

  it("resolves relative plugin paths against the file's directory, not the cwd", (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ plugins: ['./plugins/audit.ts', 'net.js', '../up.mjs', '/opt/abs.js'] }));
    assert.deepEqual(readConfigFile(file).plugins, [
      path.join(dir, 'plugins/audit.ts'),
      path.join(dir, 'net.js'),
      path.join(path.dirname(dir), 'up.mjs'),
      '/opt/abs.js',
    ]);
  });

  it('refuses invalid JSON with a MydockerError naming the file', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{"plugins": [');
    assert.throws(() => readConfigFile(file), (e: unknown) => e instanceof MydockerError && e.message.includes(file) && /not valid JSON/.test(e.message));
  });

  it('refuses a "plugins" that is not a list of strings', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'config.json');
    for (const plugins of ['"a.js"', '{"a": 1}', '[1]', '["a.js", null]', '[["a.js"]]']) {
      fs.writeFileSync(file, `{"plugins": ${plugins}}`);
      assert.throws(() => readConfigFile(file), (e: unknown) => e instanceof MydockerError && /"plugins" must be a list of file paths/.test(e.message), plugins);
    }
  });

  const topLevel = (text: string) => (t: { after(fn: () => void): void }) => {
    const file = path.join(tempDir(t), 'config.json');
    fs.writeFileSync(file, text);
    let thrown: unknown;
    try {
      readConfigFile(file);
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown !== undefined, `config file ${text} was accepted`);
    assert.ok(thrown instanceof MydockerError, `config file ${text} failed with ${String(thrown)} instead of a MydockerError`);
  };

  it('refuses a config file that is JSON null with a MydockerError', topLevel('null'));

  it('refuses a config file whose top level is a list', topLevel('["a.js"]'));

  it('refuses a config file whose top level is a number', topLevel('42'));
});
