// The walls between the layers, checked on the TypeScript sources: plugins import only hooks/ and
// their own files, hooks/ imports neither src/ nor plugins/, and the CLI reaches plugins only
// through the runtime. Every `from '...'` and `import('...')` specifier is resolved against its
// file; a failure lists each offending file with the import.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// This file runs as dist/test/unit/boundaries.test.js; the sources are three levels up.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const SPECIFIER = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Each import of a file: the specifier, and the repository path it names (null for a package). */
export function importsOf(file: string, text: string): { specifier: string; target: string | null }[] {
  const found: { specifier: string; target: string | null }[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = (match[1] ?? match[2] ?? match[3])!;
    if (specifier.startsWith('.')) {
      found.push({ specifier, target: path.relative(REPO, path.resolve(REPO, path.dirname(file), specifier)) });
    } else if (specifier === 'mydocker' || specifier.startsWith('mydocker/')) {
      // The package's own exports: "mydocker" is src/index.ts, "mydocker/hooks[/FILE.js]" hooks/.
      const hooks = specifier === 'mydocker/hooks' ? 'hooks/index.js' : specifier.startsWith('mydocker/hooks/') ? specifier.slice('mydocker/'.length) : null;
      found.push({ specifier, target: hooks ?? 'src/index.js' });
    } else {
      found.push({ specifier, target: null });
    }
  }
  return found;
}

const under = (file: string, dir: string): boolean => file === dir || file.startsWith(`${dir}/`);

/** plugins/<folder> of a plugin's file; null for plugins/index.ts, the list of them all. */
const pluginFolder = (file: string): string | null => {
  const [top, folder, ...rest] = file.split('/');
  return top === 'plugins' && rest.length > 0 ? `plugins/${folder}` : null;
};

/** The rule a file's import breaks, or null. */
export function violation(file: string, target: string): string | null {
  if (under(file, 'plugins') && under(target, 'src')) return 'plugins import only hooks/ and their own files';
  const folder = pluginFolder(file);
  if (folder !== null && under(target, 'plugins') && !under(target, folder)) return 'plugins import only hooks/ and their own files';
  if (under(file, 'hooks') && (under(target, 'src') || under(target, 'plugins'))) return 'hooks/ imports nothing from src/ or plugins/';
  if (under(file, 'src/cli') && under(target, 'plugins')) return 'the CLI reaches plugins only through the runtime';
  return null;
}

describe('layer boundaries', () => {
  it('the rules catch what they are meant to', () => {
    assert.equal(violation('plugins/network/index.ts', 'src/errors.js'), 'plugins import only hooks/ and their own files');
    assert.equal(violation('hooks/ports.ts', 'plugins/network/etc-files.js'), 'hooks/ imports nothing from src/ or plugins/');
    assert.equal(violation('hooks/ports.ts', 'src/errors.js'), 'hooks/ imports nothing from src/ or plugins/');
    assert.equal(violation('src/cli/commands/stats.ts', 'plugins/cgroups/index.js'), 'the CLI reaches plugins only through the runtime');
    assert.equal(violation('plugins/network/setup.ts', 'plugins/volumes/store.js'), 'plugins import only hooks/ and their own files');
    assert.equal(violation('plugins/volumes/index.ts', 'hooks/index.js'), null);
    assert.equal(violation('plugins/network/bridge/index.ts', 'plugins/network/bridge/driver.js'), null);
    assert.equal(violation('plugins/index.ts', 'plugins/cgroups/index.js'), null);
    assert.equal(violation('src/runtime/runtime.ts', 'plugins/index.js'), null);
    assert.equal(violation('src/cli/main.ts', 'src/errors.js'), null);
    const text = [
      "import { a } from '../../src/errors.js';",
      "export { b } from './own.js';",
      "const c = await import('../hooks/index.js');",
      "type D = typeof import('../../src/x.js');",
      "import 'node:fs';",
      "import type { Plugin } from 'mydocker/hooks';",
      "import { withFileLock } from 'mydocker/hooks/file-lock.js';",
      "import { createRuntime } from 'mydocker';",
    ].join('\n');
    assert.deepEqual(
      importsOf('plugins/network/index.ts', text).map((i) => i.target),
      ['src/errors.js', 'plugins/network/own.js', 'plugins/hooks/index.js', 'src/x.js', null, 'hooks/index.js', 'hooks/file-lock.js', 'src/index.js'],
    );
  });

  it('plugins/, hooks/ and src/cli/ import across no wall', () => {
    const offences: string[] = [];
    for (const file of [...sources('plugins'), ...sources('hooks'), ...sources('src/cli')]) {
      for (const { specifier, target } of importsOf(file, fs.readFileSync(path.join(REPO, file), 'utf8'))) {
        const rule = target === null ? null : violation(file, target);
        if (rule !== null) offences.push(`${file} imports '${specifier}': ${rule}`);
      }
    }
    assert.deepEqual(offences, [], `\n${offences.join('\n')}`);
  });
});
