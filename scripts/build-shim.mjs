#!/usr/bin/env node
// Builds dist/shim/mydocker-shim from shim/mydocker-shim.c, statically when the C library allows
// (a static shim costs less memory per detached container). Part of `npm run build`. Without a C
// compiler it says so and stops without failing: everything but `run -d` works without the shim.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'shim/mydocker-shim.c');
const output = path.join(root, 'dist/shim/mydocker-shim');
const cc = process.env.CC ?? 'cc';
fs.mkdirSync(path.dirname(output), { recursive: true });

const flags = ['-O2', '-Wall', '-Wextra', '-Werror', '-o', output, source];
let result = spawnSync(cc, ['-static', ...flags], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (result.error) {
  console.warn(`build-shim: no C compiler (${cc}): detached containers (run -d) are unavailable. Install gcc and libc6-dev, then npm run build.`);
  process.exit(0);
}
if (result.status !== 0) {
  // No static C library: a dynamic shim works too.
  result = spawnSync(cc, flags, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) process.exit(1);
}
