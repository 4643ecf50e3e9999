// Runs a bundle the build made (scripts/bundle.mjs) as a vm.Script with its V8 code cache beside it
// (<bundle>.cache): one file read and one deserialisation instead of every module resolved, read
// and compiled. What both launchers do: src/cli/main.ts (mydocker) and src/cli/runc/main.ts
// (mydocker-runc).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Script } from 'node:vm';

/** False when there is no bundle (a development build): the caller imports the modules instead. */
export function runBundle(bundle: string, importEsm: (specifier: string) => Promise<unknown>): boolean {
  let text: string;
  try {
    text = fs.readFileSync(bundle, 'utf8');
  } catch {
    return false;
  }
  const cacheFile = bundle.replace(/\.cjs$/, '.cache');
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
    process.once('exit', () => writeCache(script, cacheFile));
  }
  // The bundle's import() of what it does not hold (a user's plugin, tsx): ours (src/runtime/esm-import.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for('mydocker.import')] = importEsm;
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  return true;
}

/** Best effort, whole or not at all: a read-only install or a full disk just keeps the slower start. */
function writeCache(script: Script, cacheFile: string): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
