#!/usr/bin/env node
// The `mydocker-runc` executable. containerd calls it three to five times per container, so its
// start-up is on every container's path: the build bundles the program (cli.ts) and all it loads
// into one file, dist/src/cli/runc.bundle.cjs (scripts/bundle.mjs; two levels under dist/ like the
// modules it holds, so that paths made from import.meta.url, mydocker-init's among them, still
// hold), with a V8 code cache beside it, and this launcher runs it as the main CLI's does
// (src/cli/main.cts, CommonJS for the same reason). Without a bundle (tsc alone) the program runs from its modules.
import { join } from 'node:path';
import { commandKey, runBundle } from '../bundle-runner.cjs';

const bundle = join(__dirname, '..', 'runc.bundle.cjs');
// The global flags that take a value (GLOBAL_FLAGS in args.ts, which this launcher does not load).
const cacheKey = commandKey(process.argv.slice(2), ['--root', '--log', '--log-format', '--criu', '--rootless']);
if (!runBundle(bundle, (specifier) => import(specifier), cacheKey)) void import('./cli.js');
