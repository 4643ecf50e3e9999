#!/usr/bin/env node
// `npm run lab -- [--all] [--timeout MINUTES] [TEST FILE|DIR ...]`, as root: runs mydocker's tests
// in a throwaway Debian 12 VM booted with pure cgroup v2, and exits 0 only if they all passed.
// Builds what is missing (the cached base, base.mjs), copies the project as built on the host into
// a payload disk (payload.mjs), boots the guest (qemu.mjs), prints the TAP it sends back as it comes,
// and removes everything of the run (qemu, its snapshot, the payload) whatever happens.
// Test files are given as sources (test/integration/cgroups.test.ts) or as built (dist/...js);
// without any, or with --all, the whole suite runs. See docs/lab.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBase } from './base.mjs';
import { have, removeTree } from './host.mjs';
import { makePayload } from './payload.mjs';
import { accelerator, boot } from './qemu.mjs';
import { summarize } from './tap.mjs';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ALL = ['dist/test/unit/', 'dist/test/integration/'];
const log = (line) => process.stderr.write(`${line}\n`);

/** test/x.test.ts -> dist/test/x.test.js, test/integration -> dist/test/integration/; dist/ paths as given. */
export function builtPath(arg) {
  const rel = path.relative(PROJECT, path.resolve(arg));
  if (rel.startsWith('dist/')) return rel;
  if (rel.endsWith('.ts')) return `dist/${rel.slice(0, -3)}.js`;
  return `dist/${rel.replace(/\/?$/, '/')}`;
}

function parseArgs(argv) {
  const options = { tests: [], timeoutMinutes: Number(process.env.MYDOCKER_LAB_TIMEOUT ?? 60) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--all') options.tests.push(...ALL);
    else if (arg === '--timeout') options.timeoutMinutes = Number(argv[++i]);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (usage: npm run lab -- [--all] [--timeout MINUTES] [TEST FILE ...])`);
    else options.tests.push(builtPath(arg));
  }
  if (options.tests.length === 0) options.tests.push(...ALL);
  if (!(options.timeoutMinutes > 0)) throw new Error('--timeout takes a number of minutes');
  for (const test of options.tests) {
    if (!fs.existsSync(path.join(PROJECT, test))) throw new Error(`${test} does not exist: run npm run build (npm run lab does)`);
  }
  return options;
}

function checkHost() {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (debootstrap, and the image of a root file system)');
  const missing = [
    ['debootstrap', 'debootstrap'],
    ['qemu-system-x86_64', 'qemu-system-x86'],
    ['mkfs.ext4', 'e2fsprogs'],
  ].filter(([command]) => !have(command));
  if (missing.length > 0) throw new Error(`missing: ${missing.map(([c]) => c).join(', ')} (apt-get install ${missing.map(([, p]) => p).join(' ')})`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  checkHost();
  const cacheDir = process.env.MYDOCKER_LAB_CACHE ?? '/var/cache/mydocker-lab';
  const mirror = process.env.MYDOCKER_LAB_MIRROR ?? 'http://deb.debian.org/debian';
  const base = ensureBase({ cacheDir, mirror, log });

  fs.mkdirSync(path.join(cacheDir, 'runs'), { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'runs', 'run-'));
  let controller;
  const interrupt = (signal) => {
    log(`lab: ${signal}: stopping the guest`);
    controller?.stop();
    removeTree(work);
    process.exit(130);
  };
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  try {
    const payload = makePayload({
      projectDir: PROJECT,
      work,
      tests: options.tests,
      // In the guest, a suite that would skip itself, or a cgroup v1 guest, is a failure.
      env: { MYDOCKER_REQUIRE_INTEGRATION: '1', MYDOCKER_REQUIRE_CGROUP_V2: '1' },
    });
    const accel = accelerator();
    const consoleLog = path.join(work, 'console.log');
    const started = Date.now();
    let upAt = null;
    let text = '';
    log(`lab: booting (${accel}) to run ${options.tests.join(' ')}; timeout ${options.timeoutMinutes} min`);
    controller = boot({
      work,
      base,
      payload,
      consoleLog,
      accel,
      cpus: 2,
      memoryMiB: 2048,
      timeoutMs: options.timeoutMinutes * 60_000,
      onOutput: (chunk) => {
        if (upAt === null) {
          upAt = Date.now();
          log(`lab: guest up after ${((upAt - started) / 1000).toFixed(1)} s`);
        }
        text += chunk;
        process.stdout.write(chunk);
      },
    });
    const { timedOut, code, stderr } = await controller.done;
    const result = summarize(text);
    const seconds = (t) => ((Date.now() - t) / 1000).toFixed(1);
    if (upAt !== null) log(`lab: tests ran ${seconds(upAt)} s; whole run ${seconds(started)} s`);
    if (timedOut || result.exit === null) {
      log(timedOut ? `lab: the guest did not finish within ${options.timeoutMinutes} min: killed` : `lab: the guest stopped (qemu ${code}) before the tests finished`);
      if (stderr.trim()) log(`lab: qemu says: ${stderr.trim()}`);
      log('lab: the guest console ended with:');
      log(tail(consoleLog, 40));
      return 1;
    }
    log(`lab: ${result.pass} passed, ${result.fail} failed, ${result.skipped} skipped, ${result.cancelled} cancelled (node exit ${result.exit})`);
    return result.exit === 0 && result.fail === 0 && result.cancelled === 0 ? 0 : 1;
  } finally {
    controller?.stop();
    removeTree(work);
  }
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no console output)';
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`lab: ${error.message}`);
    process.exit(1);
  },
);
