// Runs a bundle the build made (scripts/bundle.mjs) as a vm.Script with its V8 code cache beside it
// (code-cache/<bundle>.<command>): one file read and one deserialisation instead of every module resolved, read
// and compiled. What both launchers do: src/cli/main.cts (mydocker) and src/cli/runc/main.cts
// (mydocker-runc).
// The launchers and this module are CommonJS (.cts, compiled to .cjs): Node starts an ES module
// entry through its ESM loader, ~10-14 ms more of every command here than a CommonJS one, and an
// ES module's `import ... from 'node:fs'` makes a facade that reads every export, Node's lazy
// streams too. The bundle's import() of ES modules (a user's plugin, tsx) goes through the
// launcher's own import(), which CommonJS has too.
// Named imports: tsc's CommonJS output wraps `import * as` in a copy of the whole module.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * The command a command line runs, as a code cache's name: its first word that is no flag (nor a
 * value of one of `valueFlags`, the global flags that take one), or `help` when there is none.
 * V8 deserialises a cache whole, so one cache for every command would make `ps` pay for what `run`
 * compiled: each command keeps its own.
 */
export function commandKey(argv: readonly string[], valueFlags: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (valueFlags.includes(arg)) i++;
    else if (arg === '--') return 'other';
    else if (!arg.startsWith('-')) return !/^[a-z][a-z0-9-]{0,23}$/.test(arg) ? 'other' : asksHelp(argv) ? `${arg}-help` : arg;
  }
  return 'help';
}

/**
 * A command's help runs none of the command: were its cache the command's, V8 would accept it
 * ever after and every real run would compile the command anew (a cache is rewritten only when
 * refused). A `-h` meant for a container's program (`run busybox ls -h`) only shares the help's.
 */
function asksHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * What a bundle file holds around its code: the wrapper Node gives a CommonJS file, written by the
 * build (scripts/bundle.mjs, finishBundle), so that the text read is the very string compiled.
 * Wrapped here instead, the 700 kB text became a second string that V8 flattened, copying it
 * whole: ~6 ms of every command on this host.
 */
export const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname) {';
export const BUNDLE_TAIL = '\n})';

/**
 * False when there is no bundle (a development build), or not one this runner can run (not
 * wrapped: a build older than the runner): the caller imports the modules instead.
 * `cacheKey` names the V8 code cache used (see commandKey): <bundle's dir>/code-cache/<bundle>.<key>.
 * A command without one, or whose cache V8 refuses (another Node, other flags, another bundle),
 * writes what it compiled when it ends well, so the next run of the same command starts from it.
 */
export function runBundle(bundle: string, importEsm: (specifier: string) => Promise<unknown>, cacheKey: string): boolean {
  let text: string;
  try {
    text = readFileSync(bundle, 'utf8');
  } catch {
    return false;
  }
  if (!text.startsWith(BUNDLE_HEAD)) return false;
  const cacheFile = join(dirname(bundle), 'code-cache', `${basename(bundle, '.cjs')}.${cacheKey}`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet: this run makes one.
  }
  // Node's wrapper for a CommonJS file (BUNDLE_HEAD): the bundle sees require, module, __filename.
  const script = new Script(text, { filename: bundle, cachedData });
  // A cache V8 refuses (another Node, other flags) or none: the code compiled by this run replaces it.
  // MYDOCKER_WRITE_CODE_CACHE=1 (the build's) writes it whatever the exit code; a user's failed
  // command (a typo: `mydocker rnu`) leaves none.
  const forced = process.env.MYDOCKER_WRITE_CODE_CACHE === '1';
  if (cachedData === undefined || script.cachedDataRejected === true || forced) {
    process.once('exit', (code) => {
      if (code === 0 || forced) writeCache(script, cacheFile);
    });
  }
  // The bundle's import() of what it does not hold (a user's plugin, tsx): ours (src/runtime/esm-import.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for('mydocker.import')] = importEsm;
  const module = { exports: {} };
  // This module's own require, not createRequire(bundle) (node:module: ~0.8 ms of a `start` here):
  // the bundles sit in this directory and require only Node's modules and packages (koffi), which
  // resolve the same from here and from the runc launcher that inlines this file (dist/src/cli/runc/).
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, bundle, dirname(bundle));
  return true;
}

/** Best effort, whole or not at all: a read-only install or a full disk just keeps the slower start. */
function writeCache(script: Script, cacheFile: string): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    rmSync(tmp, { force: true });
  }
}
