// mydocker-runc's small programs (src/cli/runc/hot-cli.ts for start, state and kill; delete-cli.ts
// for delete; create-cli.ts for create), which the launcher runs instead of the whole one (cli.ts): whatever the command
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
  it('answer every start, state, kill, delete and create command line as the whole program does', (t) => {
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
      // create's answers short of a container (a real one: test/integration/oci-runc.test.ts).
      ['--root', state, 'create', 'gone'],
      ['--root', state, 'create', '--bundle', path.join(w.root, 'no-bundle'), 'fresh'],
      ['--root', state, '--log', log, '--log-format', 'json', 'create', '--bundle', path.join(w.root, 'no-bundle'), 'fresh'],
      ['--root', state, 'create', '--bundle', path.join(w.root, 'no-bundle'), '--preserve-fds', 'x', 'fresh'],
      ['--root', state, 'create', '--bundle', path.join(w.root, 'no-bundle'), '../x'],
      ['--root', state, 'create', '--bogus', 'fresh'],
      ['--root', state, 'create'],
    ];
    for (const args of lines) {
      const key = commandKey(args, VALUE_FLAGS);
      assert.ok(['start', 'state', 'kill', 'delete', 'create'].includes(key), `the launcher takes ${args.join(' ')} for a small program`);
      w.reset();
      const whole = run(wholeProgram, args, w.root, log);
      w.reset();
      assert.deepEqual(run(launcher, args, w.root, log), whole, `mydocker-runc ${args.join(' ')}`);
    }
  });

  it("hand a delete over to the whole program when the state root's config lists a plugin (which may use the network registry delete's lacks)", (t) => {
    const w = world(t);
    const state = path.join(w.root, 'runc');
    const log = path.join(w.root, 'log.json');
    const marks = path.join(w.root, 'marks');
    // The plugin reads the networks at apply: the small program's host has none to give.
    const plugin = path.join(w.root, 'net-reader.mjs');
    fs.writeFileSync(
      plugin,
      `import * as fs from 'node:fs';\nexport default { name: 'net-reader', apply: (api) => fs.appendFileSync(${JSON.stringify(marks)}, 'networks ' + api.networks.all().length + '\\n') };\n`,
    );
    fs.mkdirSync(path.join(w.root, 'mydocker'), { recursive: true });
    fs.writeFileSync(path.join(w.root, 'mydocker', 'config.json'), JSON.stringify({ plugins: [plugin] }));
    for (const args of [['--root', state, 'delete', 'gone'], ['--root', state, '--log', log, 'delete', '--force', 'nope']]) {
      w.reset();
      fs.rmSync(marks, { force: true });
      const whole = run(wholeProgram, args, w.root, log);
      const wholeMarks = fs.existsSync(marks) ? fs.readFileSync(marks, 'utf8') : '';
      w.reset();
      fs.rmSync(marks, { force: true });
      assert.deepEqual(run(launcher, args, w.root, log), whole, `mydocker-runc ${args.join(' ')}`);
      assert.equal(fs.existsSync(marks) ? fs.readFileSync(marks, 'utf8') : '', wholeMarks, `the plugin saw what it sees in the whole program: ${args.join(' ')}`);
      // A container to delete makes the plugin host: the plugin ran, with the networks.
      if (args.includes('gone')) assert.equal(wholeMarks, 'networks 0\n');
    }
  });

  it('write a long answer to a pipe whole, though the launcher ends with exit() once done', (t) => {
    const w = world(t);
    const state = path.join(w.root, 'runc');
    const record = JSON.parse(fs.readFileSync(path.join(state, 'gone', 'state.json'), 'utf8')) as { id: string };
    fs.rmSync(path.join(state, 'broken'), { recursive: true }); // list refuses a damaged record
    // Well over a pipe's 64 kB buffer: an asynchronous write would be cut short by exit().
    for (let i = 0; i < 800; i++) {
      const id = `long-listing-container-${String(i).padStart(4, '0')}`;
      fs.mkdirSync(path.join(state, id), { mode: 0o700 });
      fs.writeFileSync(path.join(state, id, 'state.json'), JSON.stringify({ ...record, id }), { mode: 0o600 });
    }
    const log = path.join(w.root, 'log.json');
    const whole = run(wholeProgram, ['--root', state, 'list', '--format', 'json'], w.root, log);
    assert.ok(whole.stdout.length > 150_000, `the listing is ${whole.stdout.length} bytes`);
    assert.deepEqual(run(launcher, ['--root', state, 'list', '--format', 'json'], w.root, log), whole);
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
    const expected: Record<string, string> = { delete: 'runc-delete', create: 'runc-create' };
    for (const command of LIGHT_COMMANDS) expected[command] = 'runc-hot';
    assert.deepEqual(small, expected);
    // The build inlines bundle-runner.cjs: one file to load before the bundle.
    assert.ok(!/require\(["']\.\.\/bundle-runner\.cjs["']\)/.test(text), 'main.cjs loads no second module');
    // The word the launcher reads is the command the parser finds.
    for (const args of [['--root', '/r', '--log', '/l', 'start', 'x'], ['--root=/r', '--debug', 'kill', 'x', '9'], ['--criu', 'c', 'delete', '-f', 'x'], ['--rootless', 'false', 'state', 'x']]) {
      assert.equal(commandKey(args, VALUE_FLAGS), parseRuncArgs(args).command, args.join(' '));
    }
  });

  it('are built with their code caches, and small: start, state, kill and delete read under 128 kB', () => {
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
    for (const absent of ['createContainer', 'seccompProgram', 'execProcess', 'NetworkManager']) assert.ok(!del.includes(absent), `runc-delete.bundle.cjs holds no ${absent}`);
    assert.ok(size('runc-delete.bundle.cjs') < 120_000, `runc-delete.bundle.cjs is ${size('runc-delete.bundle.cjs')} bytes`);
    // create's: the launch and the plugin host, without exec's, list's, update's and the spec's modules.
    const create = fs.readFileSync(path.join(cliDir, 'runc-create.bundle.cjs'), 'utf8');
    assert.ok(create.includes('createContainer'), 'runc-create.bundle.cjs holds createContainer');
    for (const absent of ['execProcess', 'listContainers', 'updateContainer', 'defaultSpec', 'pauseContainer']) assert.ok(!create.includes(absent), `runc-create.bundle.cjs holds no ${absent}`);
    assert.ok(size('runc-create.bundle.cjs') < size('runc.bundle.cjs') - 30_000, `runc-create.bundle.cjs is ${size('runc-create.bundle.cjs')} bytes`);
  });
});
