#!/usr/bin/env node
// The `mydocker-runc` executable. containerd calls it three to five times per container, so its
// start-up is on every container's path: the build bundles the program (cli.ts) and all it loads
// into one file, dist/src/cli/runc.bundle.cjs (scripts/bundle.mjs; two levels under dist/ like the
// modules it holds, so that paths made from import.meta.url, mydocker-init's among them, still
// hold), with a V8 code cache beside it, and this launcher runs it as the main CLI's does
// (src/cli/main.ts). Without a bundle (tsc alone) the program runs from its modules.
import { builtin, commandKey, runBundle } from '../bundle-runner.js';

const { fileURLToPath } = await builtin('node:url');
const bundle = fileURLToPath(new URL('../runc.bundle.cjs', import.meta.url));
// The global flags that take a value (GLOBAL_FLAGS in args.ts, which this launcher does not load).
const cacheKey = commandKey(process.argv.slice(2), ['--root', '--log', '--log-format', '--criu', '--rootless']);
if (!(await runBundle(bundle, (specifier) => import(specifier), cacheKey))) await import('./cli.js');
