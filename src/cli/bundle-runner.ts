// Runs a bundle the build made (scripts/bundle.mjs) as a vm.Script with its V8 code cache beside it
// (code-cache/<bundle>.<command>): one file read and one deserialisation instead of every module resolved, read
// and compiled. What both launchers do: src/cli/main.ts (mydocker) and src/cli/runc/main.ts
// (mydocker-runc).
// The launchers are ES modules, and an ES module's `import ... from 'node:fs'` makes an ESM facade
// of fs that reads every export once, its lazy stream getters too: Node then loads its streams
// (~8-10 ms here) before the bundle has run a line. process.getBuiltinModule (Node >= 20.16) hands
// out the same built-in modules without a facade; the types alone are imported.
import type * as Fs from 'node:fs';
import type * as Module from 'node:module';
import type * as Path from 'node:path';
import type * as Url from 'node:url';
import type * as Vm from 'node:vm';

type Builtins = { 'node:fs': typeof Fs; 'node:module': typeof Module; 'node:path': typeof Path; 'node:url': typeof Url; 'node:vm': typeof Vm };

/** A built-in module without an ESM facade; on a Node 20 older than 20.16, through import(). */
export async function builtin<K extends keyof Builtins>(id: K): Promise<Builtins[K]> {
  return (process.getBuiltinModule?.(id) as unknown as Builtins[K] | undefined) ?? ((await import(id)) as Builtins[K]);
}

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
    else if (!arg.startsWith('-')) return /^[a-z][a-z0-9-]{0,23}$/.test(arg) ? arg : 'other';
  }
  return 'help';
}

/**
 * False when there is no bundle (a development build): the caller imports the modules instead.
 * `cacheKey` names the V8 code cache used (see commandKey): <bundle's dir>/code-cache/<bundle>.<key>.
 * A command without one, or whose cache V8 refuses (another Node, other flags, another bundle),
 * writes what it compiled when it ends well, so the next run of the same command starts from it.
 */
export async function runBundle(bundle: string, importEsm: (specifier: string) => Promise<unknown>, cacheKey: string): Promise<boolean> {
  const fs = await builtin('node:fs');
  let text: string;
  try {
    text = fs.readFileSync(bundle, 'utf8');
  } catch {
    return false;
  }
  const path = await builtin('node:path');
  const { basename, dirname, join } = path;
  const cacheFile = join(dirname(bundle), 'code-cache', `${basename(bundle, '.cjs')}.${cacheKey}`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet: this run makes one.
  }
  // The same wrapper as Node's for a CommonJS file, so the bundle sees require, module, __filename.
  const { Script } = await builtin('node:vm');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${text}\n})`, { filename: bundle, cachedData });
  // A cache V8 refuses (another Node, other flags) or none: the code compiled by this run replaces it.
  // MYDOCKER_WRITE_CODE_CACHE=1 (the build's) writes it whatever the exit code; a user's failed
  // command (a typo: `mydocker rnu`) leaves none.
  const forced = process.env.MYDOCKER_WRITE_CODE_CACHE === '1';
  if (cachedData === undefined || script.cachedDataRejected === true || forced) {
    process.once('exit', (code) => {
      if (code === 0 || forced) writeCache(fs, path, script, cacheFile);
    });
  }
  // The bundle's import() of what it does not hold (a user's plugin, tsx): ours (src/runtime/esm-import.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for('mydocker.import')] = importEsm;
  const module = { exports: {} };
  const { createRequire } = await builtin('node:module');
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return true;
}

/** Best effort, whole or not at all: a read-only install or a full disk just keeps the slower start. */
function writeCache(fs: typeof Fs, path: typeof Path, script: Vm.Script, cacheFile: string): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
