// mydocker-runc's small programs (src/cli/runc/hot-cli.ts for start, state and kill; delete-cli.ts
// for delete), which the launcher runs instead of the whole one (cli.ts): whatever the command
// line, they must answer exactly as the whole program does (output, errors, log lines, exit code),
// and the build must make them small enough to be worth it.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandKey } from '../../src/cli/bundle-runner.cjs';
import { parseRuncArgs } from '../../src/cli/runc/args.js';
import { LIGHT_COMMANDS } from '../../src/cli/runc/hot-commands.js';
import { tempDir } from '../support/tmp.js';

const cliDir = fileURLToPath(new URL('../../src/cli/', import.meta.url));
const launcher = path.join(cliDir, 'runc', 'main.cjs');
const wholeProgram = path.join(cliDir, 'runc', 'cli.js');
const VALUE_FLAGS = ['--root', '--log', '--log-format', '--criu', '--rootless'];

/** A state root with a container whose first process is gone (stopped) and one whose record is damaged. */
function world(t: { after(fn: () => void): void }): { root: string; reset(): void } {
  const root = tempDir(t);
  const reset = (): void => {
    fs.rmSync(path.join(root, 'runc'), { recursive: true, force: true });
    const put = (id: string, text: string): void => {
      fs.mkdirSync(path.join(root, 'runc', id), { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(root, 'runc', id, 'state.json'), text, { mode: 0o600 });
    };
    const engine = { rootfs: path.join(root, 'rootfs'), hostname: '', command: ['true'], env: [], cwd: '/', tty: false, options: {}, pluginState: {} };
    const record = { id: 'gone', bundle: path.join(root, 'bundle'), phase: 'running', pid: null, pidStartTime: null, created: '2026-12-01T10:00:00.000Z', annotations: { a: 'b' }, engine };
    put('gone', JSON.stringify(record));
    put('broken', '{"id":');
    fs.mkdirSync(path.join(root, 'runc', 'empty'), { mode: 0o700 });
  };
  reset();
  return { root, reset };
}

interface Answer {
  status: number | null;
  stdout: string;
  stderr: string;
  log: string;
  files: string[];
}

function run(program: string, args: string[], root: string, log: string): Answer {
  fs.rmSync(log, { force: true });
  // MYDOCKER_ROOT: no plugin of this machine's state root is loaded by delete's plugin host.
  const env = { PATH: process.env.PATH, MYDOCKER_ROOT: path.join(root, 'mydocker') };
  const r = spawnSync(process.execPath, [program, ...args], { env, encoding: 'utf8' });
  // The log's times are whole seconds: two runs may straddle one.
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').replace(/"time":"[^"]*"|time="[^"]*"/g, 'TIME') : '';
  const files = fs.existsSync(path.join(root, 'runc')) ? fs.readdirSync(path.join(root, 'runc')).sort() : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/time="[^"]*"/g, 'TIME'), log: text, files };
}

describe("mydocker-runc's small programs", () => {
  it('answer every start, state, kill and delete command line as the whole program does', (t) => {
    const w = world(t);
    const state = path.join(w.root, 'runc');
    const log = path.join(w.root, 'log.json');
    const lines: string[][] = [
      ['--root', state, 'state', 'gone'],
      [`--root=${state}`, 'state', 'broken'],
      ['--root', state, 'state', 'nope'],
      ['--root', state, 'state', '../x'],
      ['--root', state, 'state'],
      ['--root', state, 'state', 'gone', 'more'],
      ['--root', state, 'start', 'gone'],
      ['--root', state, '--log', log, '--log-format', 'json', 'start', 'nope'],
      ['--root', state, '--log', log, 'start', 'gone'],
      ['--root', state, 'kill', 'gone'],
      ['--root', state, 'kill', 'gone', 'SIGNOPE'],
      ['--root', state, 'kill', '--all', 'gone', '9'],
      ['--root', state, 'kill', '--bogus', 'gone'],
      ['--root', state, '--systemd-cgroup', 'start', 'gone'],
      ['--root', state, '--version', 'state', 'gone'],
      ['--root', state, '--log-format', 'yaml', 'state', 'gone'],
      ['--root', state, 'delete', 'nope'],
      ['--root', state, '--log', log, '--log-format', 'json', 'delete', '--force', 'nope'],
      ['--root', state, 'delete', '--force=maybe', 'gone'],
      ['--root', state, 'delete', 'broken'],
      ['--root', state, 'delete', 'empty'],
      ['--root', state, 'delete', 'gone'],
    ];
    for (const args of lines) {
      const key = commandKey(args, VALUE_FLAGS);
      assert.ok(['start', 'state', 'kill', 'delete'].includes(key), `the launcher takes ${args.join(' ')} for a small program`);
      w.reset();
      const whole = run(wholeProgram, args, w.root, log);
      w.reset();
      assert.deepEqual(run(launcher, args, w.root, log), whole, `mydocker-runc ${args.join(' ')}`);
    }
  });

  it('hand a line whose command is not theirs over to the whole program, before doing anything', () => {
    // Not reachable through today's flags (the launcher's commandKey and the parser agree); made by hand here.
    const hot = path.join(cliDir, 'runc-hot.bundle.cjs');
    // A bundle is Node's CommonJS wrapper around its code (bundle-runner.cts's BUNDLE_HEAD): called as Node would call it.
    const script =
      `globalThis[Symbol.for('mydocker.runc.wholeProgram')] = () => process.stdout.write('whole\\n'); process.argv = [process.argv[0], 'x', 'list'];` +
      `const m = { exports: {} }; require('vm').runInThisContext(require('fs').readFileSync(${JSON.stringify(hot)}, 'utf8'))(m.exports, require, m, ${JSON.stringify(hot)}, ${JSON.stringify(cliDir)});`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.stdout, 'whole\n');
    assert.equal(r.status, 0);
  });

  it("are chosen for their own commands only: the launcher's table is theirs", () => {
    const text = fs.readFileSync(launcher, 'utf8');
    const table = /SMALL\s*=\s*(\{[^}]*\})/.exec(text);
    assert.ok(table, 'main.cjs names its small programs in a SMALL table');
    const small = JSON.parse(table[1]!.replace(/(\w+):/g, '"$1":').replace(/'/g, '"')) as Record<string, string>;
    const expected: Record<string, string> = { delete: 'runc-delete' };
    for (const command of LIGHT_COMMANDS) expected[command] = 'runc-hot';
    assert.deepEqual(small, expected);
    // The build inlines bundle-runner.cjs: one file to load before the bundle.
    assert.ok(!/require\(["']\.\.\/bundle-runner\.cjs["']\)/.test(text), 'main.cjs loads no second module');
    // The word the launcher reads is the command the parser finds.
    for (const args of [['--root', '/r', '--log', '/l', 'start', 'x'], ['--root=/r', '--debug', 'kill', 'x', '9'], ['--criu', 'c', 'delete', '-f', 'x'], ['--rootless', 'false', 'state', 'x']]) {
      assert.equal(commandKey(args, VALUE_FLAGS), parseRuncArgs(args).command, args.join(' '));
    }
  });

  it('are built with their code caches, and small: start, state and kill read under 128 kB', () => {
    const size = (name: string): number => fs.statSync(path.join(cliDir, name)).size;
    for (const cache of ['runc-hot.bundle.state', 'runc-delete.bundle.delete']) assert.ok(fs.existsSync(path.join(cliDir, 'code-cache', cache)), `the build makes ${cache}`);
    // Under 128 kB V8 holds the text in an ordinary heap string (a large-object page costs 3-9 ms more here).
    assert.ok(size('runc-hot.bundle.cjs') < 120_000, `runc-hot.bundle.cjs is ${size('runc-hot.bundle.cjs')} bytes`);
    assert.ok(size('runc-delete.bundle.cjs') * 1.5 < size('runc.bundle.cjs'), `runc-delete.bundle.cjs is ${size('runc-delete.bundle.cjs')} bytes`);
    const hot = fs.readFileSync(path.join(cliDir, 'runc-hot.bundle.cjs'), 'utf8');
    // Nor the hook modules (6 ms of every start when first-process.ts reached them) or the cgroups plugin (5 ms of a state).
    for (const absent of ['PluginHost', 'createContainer', 'seccompProgram', 'deleteContainer', '"dist/hooks/index.js"', '"dist/plugins/cgroups/index.js"']) {
      assert.ok(!hot.includes(absent), `runc-hot.bundle.cjs holds no ${absent}`);
    }
    const del = fs.readFileSync(path.join(cliDir, 'runc-delete.bundle.cjs'), 'utf8');
    for (const absent of ['createContainer', 'seccompProgram', 'execProcess']) assert.ok(!del.includes(absent), `runc-delete.bundle.cjs holds no ${absent}`);
  });
});
