// The launchers' V8 code caches (src/cli/bundle-runner.cts): one per command, named from the command
// line, and written only by a command that ends well (or by the build, which forces it).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_HEAD, BUNDLE_TAIL, commandKey } from '../../src/cli/bundle-runner.cjs';

const runner = fileURLToPath(new URL('../../src/cli/bundle-runner.cjs', import.meta.url));

describe('commandKey', () => {
  it('is the first word that is neither a flag nor the value of a global flag that takes one', () => {
    assert.equal(commandKey(['run', '--rm', 'busybox'], ['--root']), 'run');
    assert.equal(commandKey(['--root', '/tmp/r', 'ps', '-a'], ['--root']), 'ps');
    assert.equal(commandKey(['--root=/tmp/r', '--trace', 'exec', 'x', 'true'], ['--root']), 'exec');
    assert.equal(commandKey(['--log', 'l.json', '--log-format', 'json', 'create', 'id'], ['--log', '--log-format']), 'create');
  });

  it("is the command's own help key when the line asks for help: a help's cache must not pass for the command's", () => {
    assert.equal(commandKey(['run', '--help'], ['--root']), 'run-help');
    assert.equal(commandKey(['--help', 'exec'], ['--root']), 'exec-help');
    assert.equal(commandKey(['run', '-h'], ['--root']), 'run-help');
    assert.equal(commandKey(['--help'], ['--root']), 'help');
  });

  it('is "help" without a command, and "other" for what could not name a file safely', () => {
    assert.equal(commandKey([], ['--root']), 'help');
    assert.equal(commandKey(['--version'], ['--root']), 'help');
    assert.equal(commandKey(['../../etc'], ['--root']), 'other');
    assert.equal(commandKey(['--', 'run'], ['--root']), 'other');
    assert.equal(commandKey(['Run'], ['--root']), 'other');
  });
});

describe('runBundle', () => {
  /** Runs a one-line bundle through runBundle with the key `cmd`; the bundle exits with `code`. */
  function runOnce(dir: string, code: number, env: Record<string, string> = {}, wrapped = true): number | null {
    const bundle = path.join(dir, 'x.bundle.cjs');
    const body = 'process.exitCode = Number(process.env.CODE);\n';
    fs.writeFileSync(bundle, wrapped ? BUNDLE_HEAD + body + BUNDLE_TAIL : body);
    const script = `import { runBundle } from ${JSON.stringify(runner)}; if (!runBundle(${JSON.stringify(bundle)}, (s) => import(s), 'cmd')) process.exitCode = 99;`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, CODE: String(code), ...env }, encoding: 'utf8' });
    assert.equal(r.stderr, '');
    return r.status;
  }

  it('runs a bundle the build wrapped, and refuses (false) one it did not: an older build', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-code-cache-'));
    try {
      assert.equal(runOnce(dir, 5), 5);
      assert.equal(runOnce(dir, 5, {}, false), 99, 'not run: the launcher falls back to the modules');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes the command's cache when it exits 0, and none when it fails", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-code-cache-'));
    try {
      const cache = path.join(dir, 'code-cache', 'x.bundle.cmd');
      assert.equal(runOnce(dir, 3), 3);
      assert.equal(fs.existsSync(cache), false, 'a failed command leaves no cache');
      assert.equal(runOnce(dir, 3, { MYDOCKER_WRITE_CODE_CACHE: '1' }), 3);
      assert.equal(fs.existsSync(cache), true, 'the build forces it');
      fs.rmSync(cache);
      assert.equal(runOnce(dir, 0), 0);
      assert.ok(fs.statSync(cache).size > 0, 'a command that ends well writes it');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'code-cache')), ['x.bundle.cmd'], 'no temporary file left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
