#!/usr/bin/env node
// The `mydocker-runc` executable. containerd calls it three to five times per container, so its
// start-up is on every container's path: the build bundles the program (cli.ts) and all it loads
// into one file, dist/src/cli/runc.bundle.cjs (scripts/bundle.mjs; two levels under dist/ like the
// modules it holds, so that paths made from import.meta.url, mydocker-init's among them, still
// hold), with V8 code caches beside it, and this launcher runs it as the main CLI's does
// (src/cli/main.cts, CommonJS for the same reason). Without a bundle (tsc alone) the program runs from its modules.
// The commands of every container have small programs and bundles of their own, built from the
// same code (program.ts): start, state and kill (hot-cli.ts, a tenth of the whole bundle to read
// and deserialise), delete (delete-cli.ts, half), create (create-cli.ts, five sixths).
import { join } from 'node:path';
import { commandKey, runBundle } from '../bundle-runner.cjs';

// Once nothing is left to do, exit at once: Node's own end frees its heap and environment piece by
// piece (unmapping each page: 3-5 ms of every call on this PVM guest, in strace timelines), where
// exit() leaves the whole address space to the kernel. The 'exit' listeners (a code cache to write)
// still run; stdout and stderr are synchronous on Linux (files, pipes, terminals), so nothing is lost.
process.once('beforeExit', () => process.exit());

const bundle = (name: string): string => join(__dirname, '..', name);
const importEsm = (specifier: string): Promise<unknown> => import(specifier);
// The global flags that take a value (GLOBAL_FLAGS in args.ts, which this launcher does not load).
const cacheKey = commandKey(process.argv.slice(2), ['--root', '--log', '--log-format', '--criu', '--rootless']);
const whole = (): void => {
  if (!runBundle(bundle('runc.bundle.cjs'), importEsm, cacheKey)) void import('./cli.js');
};
// Each small program's commands (LIGHT_COMMANDS of hot-commands.ts, delete-cli.ts's: a unit test
// compares them). A small program hands a line whose command its parser sees otherwise over to
// the whole one (WHOLE_PROGRAM of program.ts).
const SMALL: Record<string, string | undefined> = { start: 'runc-hot', state: 'runc-hot', kill: 'runc-hot', delete: 'runc-delete', create: 'runc-create' };
const small = Object.hasOwn(SMALL, cacheKey) ? SMALL[cacheKey] : undefined;
if (small !== undefined) {
  (globalThis as Record<symbol, unknown>)[Symbol.for('mydocker.runc.wholeProgram')] = whole;
  if (!runBundle(bundle(`${small}.bundle.cjs`), importEsm, cacheKey)) whole();
} else {
  whole();
}
