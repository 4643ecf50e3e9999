import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPluginFile } from '../../src/runtime/load-plugin.js';
import { MydockerError } from '../../src/errors.js';
import { tempDir } from '../support/tmp.js';

function refused(message: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof MydockerError, `expected MydockerError, got ${String(e)}`);
    assert.match(e.message, message);
    return true;
  };
}

describe('loadPluginFile', () => {
  it('loads a .mjs plugin', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'audit.mjs');
    fs.writeFileSync(file, `export default { name: 'audit-mjs', apply(api) { api.hooks.prepareRootfs.tap('audit-mjs', () => {}); } };\n`);
    const plugin = await loadPluginFile(file);
    assert.equal(plugin.name, 'audit-mjs');
    assert.equal(typeof plugin.apply, 'function');
  });

  it('loads a .js plugin whose default export is a factory function', async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    const file = path.join(dir, 'factory.js');
    fs.writeFileSync(file, `export default async () => ({ name: 'from-factory', apply() {} });\n`);
    assert.equal((await loadPluginFile(file)).name, 'from-factory');
  });

  it('loads a .ts plugin that uses TypeScript-only syntax', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'typed.ts');
    fs.writeFileSync(
      file,
      [
        'interface Api { hooks: { prepareRootfs: { tap(name: string, fn: (ctx: unknown) => void): void } } }',
        'type Name = `typed-${string}`;',
        "const name: Name = 'typed-plugin';",
        'enum Mode { A = 1 }',
        'export default {',
        '  name,',
        '  mode: Mode.A as number,',
        "  apply(api: Api): void { api.hooks.prepareRootfs.tap(name, (_ctx: unknown) => {}); },",
        '};',
        '',
      ].join('\n'),
    );
    const plugin = (await loadPluginFile(file)) as unknown as { name: string; mode: number; apply: unknown };
    assert.equal(plugin.name, 'typed-plugin');
    assert.equal(plugin.mode, 1);
    assert.equal(typeof plugin.apply, 'function');
  });

  it('refuses a file that exports no plugin', async (t) => {
    const dir = tempDir(t);
    const cases: Record<string, string> = {
      'nothing.mjs': 'export const x = 1;\n',
      'noname.mjs': 'export default { apply() {} };\n',
      'noapply.mjs': "export default { name: 'x' };\n",
      'emptyname.mjs': "export default { name: '', apply() {} };\n",
      'factory-null.mjs': 'export default () => null;\n',
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      await assert.rejects(loadPluginFile(file), (e: unknown) => {
        refused(/does not export a plugin/)(e);
        assert.match((e as MydockerError).hint ?? '', /export default/);
        return true;
      }, name);
    }
  });

  it('refuses a missing file', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(loadPluginFile(path.join(dir, 'gone.mjs')), refused(/plugin file .*gone\.mjs does not exist/));
  });

  it('refuses a file that is neither TypeScript nor JavaScript', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'plugin.json');
    fs.writeFileSync(file, '{}');
    await assert.rejects(loadPluginFile(file), refused(/neither TypeScript nor JavaScript/));
  });

  it('reports a plugin that fails to load (syntax error, throw at import) as a MydockerError', async (t) => {
    const dir = tempDir(t);
    const syntax = path.join(dir, 'syntax.mjs');
    fs.writeFileSync(syntax, 'export default {{{;\n');
    await assert.rejects(loadPluginFile(syntax), refused(/cannot load plugin .*syntax\.mjs/));
    const throws = path.join(dir, 'throws.ts');
    fs.writeFileSync(throws, "const n: number = 1;\nthrow new Error('top-level ' + n);\n");
    await assert.rejects(loadPluginFile(throws), refused(/cannot load plugin .*throws\.ts: top-level 1/));
  });
});
