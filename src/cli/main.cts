#!/usr/bin/env -S node --
// The `mydocker` executable: starts the CLI (cli.ts). Start-up is on every command's path, so the
// build bundles the CLI and all it loads into one file, dist/src/cli/cli.bundle.cjs (scripts/
// bundle.mjs), with V8 code caches beside it (code-cache/, one per command): one file read and one
// deserialisation instead of ~90 modules resolved, read and compiled. Without a bundle (a build by
// tsc alone) the CLI runs from its modules, as the library does. CommonJS, as bundle-runner.cts says why.
// The `--` of the interpreter line: Node 20 reads `--env-file FILE` anywhere on its command line,
// the script's arguments included (nodejs/node#54232), and would exit on `run --env-file` before
// any of this runs; after `--` it leaves them alone.
import { join } from 'node:path';
import { commandKey, runBundle } from './bundle-runner.cjs';

// The bundle's import() of what it does not hold (a user's plugin, tsx) goes through ours: a
// vm.Script's own import() has no module loader (src/runtime/esm-import.ts).
const importEsm = (specifier: string): Promise<unknown> => import(specifier);
const bundle = (name: string): string => join(__dirname, name);
// --root is the one global flag that takes a value (src/cli/argv.ts).
const cacheKey = commandKey(process.argv.slice(2), ['--root']);
// `ps` has a program and a bundle of its own (ps-cli.ts): a tenth of the whole CLI to read and
// deserialise. Without it (a build by tsc alone, or an older one) the whole CLI runs it.
const ran = (cacheKey === 'ps' && runBundle(bundle('ps.bundle.cjs'), importEsm, cacheKey)) || runBundle(bundle('cli.bundle.cjs'), importEsm, cacheKey);
if (!ran) void import('./cli.js');
