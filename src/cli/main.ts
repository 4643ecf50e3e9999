#!/usr/bin/env -S node --
// The `mydocker` executable: starts the CLI (cli.ts). Start-up is on every command's path, so the
// build bundles the CLI and all it loads into one file, dist/src/cli/cli.bundle.cjs (scripts/
// bundle.mjs), with a V8 code cache beside it (cli.bundle.cache): one file read and one
// deserialisation instead of ~90 modules resolved, read and compiled. Without a bundle (a build by
// tsc alone) the CLI runs from its modules, as the library does.
// The `--` of the interpreter line: Node 20 reads `--env-file FILE` anywhere on its command line,
// the script's arguments included (nodejs/node#54232), and would exit on `run --env-file` before
// any of this runs; after `--` it leaves them alone.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('./cli.bundle.cjs', import.meta.url));
const cacheFile = bundle.replace(/\.cjs$/, '.cache');

let source: string | null = null;
try {
  source = fs.readFileSync(bundle, 'utf8');
} catch {
  // No bundle: a development build.
}
if (source === null) await import('./cli.js');
else runBundle(source);

function runBundle(text: string): void {
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet: this run makes one.
  }
  // The same wrapper as Node's for a CommonJS file, so the bundle sees require, module, __filename.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${text}\n})`, { filename: bundle, cachedData });
  // A cache V8 refuses (another Node, other flags) or none: the code compiled by this run replaces it.
  if (cachedData === undefined || script.cachedDataRejected === true || process.env.MYDOCKER_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => writeCache(script));
  }
  // The bundle's import() of what it does not hold (a user's plugin, tsx) goes through ours:
  // a vm.Script's own import() has no module loader (src/runtime/esm-import.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for('mydocker.import')] = (specifier: string) => import(specifier);
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, fileURLToPath(new URL('.', import.meta.url)));
}

/** Best effort, whole or not at all: a read-only install or a full disk just keeps the slower start. */
function writeCache(script: Script): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
