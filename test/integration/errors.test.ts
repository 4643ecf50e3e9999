// A stack trace is never what a user sees: every bad input a careless user (or an attacker) can
// give gets one line on stderr that says what is wrong, Docker's exit code (125 when mydocker
// fails, 1 for what does not exist), and leaves the state root as it was. The stack is printed
// only with MYDOCKER_DEBUG=1.
import { describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, World, worldFor, integrationSkipReason } from '../support/world.js';
import { buildTar } from '../support/tar-builder.js';
import { tempDir } from '../support/tmp.js';

const skip = integrationSkipReason() ?? false;

interface Case {
  args: string[];
  code: number;
  message: RegExp;
  input?: string | Buffer;
}

/**
 * What the root holds: every path below its top-level directories (layers' and containers' own
 * file trees aside: nothing writes there). The top-level directories themselves and lock files
 * are its skeleton, made by whichever command first needs them, and hold no state.
 */
function tree(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (dir !== root && entry.name !== 'lock') found.push(path.relative(root, full));
      if (entry.isDirectory() && !['diff', 'upper', 'work', 'merged'].includes(entry.name)) walk(full);
    }
  };
  walk(root);
  return found.sort();
}

/** Runs one bad command and checks the one line, the code, and that nothing was left behind. */
function refuses(w: World, c: Case): void {
  const label = c.args.map((a) => (a.length > 40 ? `${a.slice(0, 40)}…` : a)).join(' ');
  const before = tree(w.root);
  const mounts = w.mounts();
  const r = w.run(c.args, { input: c.input });
  assert.equal(r.status, c.code, `${label}: exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, /^mydocker: [^\n]+\n$/, `${label}: exactly one line on stderr, not ${JSON.stringify(r.stderr)}`);
  assert.ok(!r.stderr.includes('    at '), `${label}: no stack frames`);
  assert.match(r.stderr, c.message, label);
  assert.deepEqual(tree(w.root), before, `${label}: the state root is as it was`);
  assert.deepEqual(w.mounts(), mounts, `${label}: nothing left mounted`);
}

/** Plugins, env files and archives a careless user might hand over. */
function inputs(t: TestContext) {
  const dir = tempDir(t, 'mydocker-errors-');
  const file = (name: string, content: string | Buffer): string => {
    fs.writeFileSync(path.join(dir, name), content);
    return path.join(dir, name);
  };
  // 3 MB of variables: more than the kernel lets a command start with (about 2 MB at most).
  const huge = Array.from({ length: 30_000 }, (_, i) => `V${i}=${'x'.repeat(100)}`).join('\n');
  const truncated = buildTar([{ name: 'a', type: 'file', content: 'x'.repeat(5000) }]).subarray(0, 1536);
  return {
    dir,
    missing: path.join(dir, 'missing'),
    hugeEnv: file('huge.env', huge),
    // One variable over the kernel's 128 KiB for a single string (too long for our own argv, too).
    bigVariable: file('big.env', `BIG=${'x'.repeat(200_000)}\n`),
    syntaxTs: file('syntax.ts', 'const x: number = ;\nexport default {};\n'),
    syntaxMjs: file('syntax.mjs', 'export default { name: "x",, };\n'),
    nothingMjs: file('nothing.mjs', 'export const unrelated = 1;\n'),
    notTar: file('not.tar', 'this is not a tar archive\n'),
    truncated: file('truncated.tar', truncated),
    hardLink: file('link.tar', buildTar([{ name: 'a', type: 'file', content: 'x' }, { name: 'b', type: 'hardlink', linkname: 'missing' }])),
  };
}

describe('errors: one line, the right code, nothing left', { skip }, () => {
  test('run: names, environment, plugins, working directory', (t) => {
    const w = worldFor(t, 'errrun', { image: true });
    const f = inputs(t);
    const cases: Case[] = [
      { args: ['run', '--name', 'a'.repeat(10_000), 'busybox', 'true'], code: 125, message: /invalid container name "a{40}…": it is 10000 characters long, at most 128/ },
      { args: ['run', '--name', 'a/b', 'busybox', 'true'], code: 125, message: /invalid container name "a\/b": only \[a-zA-Z0-9\]/ },
      { args: ['run', '--name', '-x', 'busybox', 'true'], code: 125, message: /invalid container name "-x"/ },
      { args: ['run', '--name', '.hidden', 'busybox', 'true'], code: 125, message: /invalid container name "\.hidden"/ },
      { args: ['run', '--name', '', 'busybox', 'true'], code: 125, message: /flag --name needs a non-empty value/ },
      { args: ['run', '--env-file', f.dir, 'busybox', 'true'], code: 125, message: /cannot read env file .*: it is a directory/ },
      { args: ['run', '--env-file', f.missing, 'busybox', 'true'], code: 125, message: /cannot read env file .*: no such file or directory/ },
      { args: ['run', '--env-file', f.hugeEnv, 'busybox', 'true'], code: 125, message: /the environment is too large: 30002 variables take \d+ bytes/ },
      { args: ['run', '--env-file', '/dev/zero', 'busybox', 'true'], code: 125, message: /cannot read env file \/dev\/zero: it is not a regular file/ },
      { args: ['run', '--env-file', f.bigVariable, 'busybox', 'true'], code: 125, message: /the environment is too large: variable BIG is 200004 bytes/ },
      { args: ['run', '-e', '=x', 'busybox', 'true'], code: 125, message: /invalid environment variable "=x" in -e/ },
      { args: ['run', '-e', '', 'busybox', 'true'], code: 125, message: /flag --env needs a non-empty value/ },
      { args: ['run', '-w', 'relative', 'busybox', 'true'], code: 125, message: /working directory "relative" is not absolute/ },
      { args: ['run', '--plugin', `${f.missing}.ts`, 'busybox', 'true'], code: 125, message: /cannot load plugin .*missing\.ts: no such file or directory/ },
      { args: ['run', '--plugin', f.syntaxTs, 'busybox', 'true'], code: 125, message: /cannot load plugin .*: syntax error at .*syntax\.ts:1:\d+: / },
      { args: ['run', '--plugin', f.syntaxMjs, 'busybox', 'true'], code: 125, message: /cannot load plugin .*: syntax error: Unexpected token/ },
      { args: ['run', '--plugin', f.nothingMjs, 'busybox', 'true'], code: 125, message: /plugin .*nothing\.mjs does not export a plugin/ },
      { args: ['run', '-v', `${'v'.repeat(5000)}:/data`, 'busybox', 'true'], code: 125, message: /invalid volume specification "v{80}…": the volume name is 5000 characters long/ },
      { args: ['run', 'busybox:BAD TAG', 'true'], code: 125, message: /invalid image reference "busybox:BAD TAG"/ },
      { args: ['--root', '', 'run', 'busybox', 'true'], code: 125, message: /flag --root needs a non-empty value/ },
    ];
    for (const c of cases) refuses(w, c);
    assert.deepEqual(w.containerIds(), [], 'no container record');
    assert.deepEqual(w.list('names'), [], 'no name');
  });

  test('references to what does not exist, and bad values of flags', (t) => {
    const w = worldFor(t, 'errrefs', { image: true });
    assert.equal(w.run(['run', '--name', 'keep', 'busybox', 'true']).status, 0);
    const f = inputs(t);
    const cases: Case[] = [
      { args: ['inspect', 'nosuch'], code: 1, message: /no such container: nosuch/ },
      { args: ['inspect', ''], code: 1, message: /no such container: ""/ },
      { args: ['inspect', 'x'.repeat(5000)], code: 1, message: /no such container: x{80}…$/m },
      { args: ['rm', '../keep'], code: 1, message: /no such container: \.\.\/keep/ },
      { args: ['rm', '-f', 'nosuch'], code: 1, message: /no such container: nosuch/ },
      { args: ['logs', '../../etc/passwd'], code: 1, message: /no such container: \.\.\/\.\.\/etc\/passwd/ },
      { args: ['logs', '--tail', 'x', 'keep'], code: 125, message: /invalid --tail "x"/ },
      { args: ['kill', '-s', 'BOGUS', 'keep'], code: 125, message: /invalid signal "BOGUS"/ },
      { args: ['kill', '-s', '99', 'keep'], code: 125, message: /invalid signal "99" \(a signal number is from 1 to 64\)/ },
      { args: ['stop', '-t', 'abc', 'keep'], code: 125, message: /invalid timeout "abc"/ },
      { args: ['stop', '-t', '', 'keep'], code: 125, message: /flag -t needs a non-empty value/ },
      { args: ['commit', 'keep', 'BAD TAG'], code: 125, message: /invalid image reference "BAD TAG"/ },
      { args: ['commit', 'keep', 'r'.repeat(300)], code: 125, message: /invalid image reference "r{80}…": its name is 300 characters long, at most 255/ },
      { args: ['commit', 'nosuch', 'img'], code: 1, message: /no such container: nosuch/ },
      { args: ['save', '-o', '/nonexistent/dir/x.tar', 'busybox'], code: 125, message: /cannot write \/nonexistent\/dir\/x\.tar: no such file or directory/ },
      { args: ['save', '-o', f.dir, 'busybox'], code: 125, message: /cannot write .*: it is a directory/ },
      { args: ['save', '-o', path.join(f.dir, 'out.tar'), 'nosuchimage'], code: 1, message: /no such image: nosuchimage/ },
      { args: ['export', '-o', '/nonexistent/x.tar', 'keep'], code: 125, message: /cannot write \/nonexistent\/x\.tar: no such file or directory/ },
      { args: ['nosuchcommand'], code: 1, message: /'nosuchcommand' is not a mydocker command/ },
    ];
    for (const c of cases) refuses(w, c);
    assert.deepEqual(fs.readdirSync(f.dir).filter((n) => n.includes('out.tar')), [], 'a failed save leaves no file');
    assert.deepEqual(w.list('names'), ['keep']);
  });

  test('volumes and networks: weird names, junk options, missing plugins', (t) => {
    const w = worldFor(t, 'errnet');
    const f = inputs(t);
    const cases: Case[] = [
      { args: ['volume', 'create', 'v'.repeat(5000)], code: 1, message: /invalid volume name "v{40}…": it is 5000 characters long, at most 128/ },
      { args: ['volume', 'create', 'a/b'], code: 1, message: /invalid volume name "a\/b"/ },
      { args: ['volume', 'create', '../x'], code: 1, message: /invalid volume name "\.\.\/x"/ },
      { args: ['volume', 'create', '--', '-x'], code: 1, message: /invalid volume name "-x"/ },
      { args: ['volume', 'inspect', '../../etc'], code: 1, message: /no such volume: \.\.\/\.\.\/etc/ },
      { args: ['volume', 'rm', 'nosuch'], code: 1, message: /no such volume: nosuch/ },
      { args: ['network', 'create', 'n'.repeat(5000)], code: 125, message: /invalid network name "n{40}…": it is 5000 characters long, at most 128/ },
      { args: ['network', 'create', 'a/b'], code: 125, message: /invalid network name "a\/b"/ },
      { args: ['network', 'create', '--', '-x'], code: 125, message: /invalid network name "-x"/ },
      { args: ['network', 'create', '--subnet', 'junk', 'n1'], code: 125, message: /invalid subnet "junk"/ },
      { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--gateway', '11.0.0.1', 'n1'], code: 125, message: /gateway 11\.0\.0\.1 is not a host address of subnet 10\.0\.0\.0\/8/ },
      { args: ['network', 'create', '-o', 'junk', 'n1'], code: 125, message: /invalid driver option "junk"/ },
      { args: ['network', 'create', '--driver', 'nosuch', 'n1'], code: 125, message: /unknown network driver "nosuch"/ },
      { args: ['network', 'create', '--plugin', `${f.missing}.ts`, 'n1'], code: 125, message: /cannot load plugin .*missing\.ts: no such file or directory/ },
      { args: ['network', 'rm', 'nosuch'], code: 1, message: /no such network: nosuch/ },
    ];
    for (const c of cases) refuses(w, c);
  });

  test('import and load: missing files, non-archives, damaged archives', (t) => {
    const w = worldFor(t, 'errimg');
    const f = inputs(t);
    const cases: Case[] = [
      { args: ['import', f.missing, 'img'], code: 125, message: /cannot read .*missing: no such file or directory/ },
      { args: ['import', f.dir, 'img'], code: 125, message: /cannot read .*: it is a directory, not an archive/ },
      { args: ['import', '/dev/zero', 'img'], code: 125, message: /cannot read \/dev\/zero: it is not a regular file/ },
      { args: ['import', f.notTar, 'img'], code: 125, message: /the input is not a tar archive/ },
      { args: ['import', f.truncated, 'img'], code: 125, message: /the archive is truncated/ },
      { args: ['import', f.hardLink, 'img'], code: 125, message: /archive entry "b" is a hard link to "missing", which is not in the archive before it/ },
      { args: ['load', '-i', f.missing], code: 125, message: /cannot read .*missing: no such file or directory/ },
      { args: ['load', '-i', f.notTar], code: 125, message: /the input is not a tar archive/ },
      { args: ['load', '-i', f.hardLink], code: 125, message: /hard link to "missing"/ },
      { args: ['load'], input: fs.readFileSync(f.hardLink), code: 125, message: /hard link to "missing"/ },
    ];
    for (const c of cases) refuses(w, c);
    assert.deepEqual(w.list('images').filter((n) => n !== 'repositories.json' && n !== 'lock'), [], 'no image');
    assert.deepEqual(w.list('layers'), [], 'no layer');
  });

  test('a state root that is a file', (t) => {
    const f = inputs(t);
    for (const root of [f.notTar, path.join(f.notTar, 'below')]) {
      const r = spawnSync(process.execPath, ['--', CLI, '--root', root, 'ps'], { encoding: 'utf8' });
      assert.equal(r.status, 125, r.stderr);
      assert.match(r.stderr, /^mydocker: [^\n]*state root [^\n]*not a directory[^\n]*\n$/);
    }
  });

  test('MYDOCKER_DEBUG=1 adds the stack after the one line', (t) => {
    const w = worldFor(t, 'errdebug');
    const r = w.run(['run', '--name', 'a/b', 'busybox', 'true'], { env: { MYDOCKER_DEBUG: '1' } });
    assert.equal(r.status, 125);
    const [first, ...rest] = r.stderr.split('\n');
    assert.match(first!, /^mydocker: invalid container name "a\/b"/);
    assert.ok(rest.some((l) => l.startsWith('    at ')), r.stderr);
  });

  test('through its interpreter line, `run --env-file` reaches mydocker, not Node', (t) => {
    const w = worldFor(t, 'errshebang');
    const f = inputs(t);
    const line = fs.readFileSync(CLI, 'utf8').split('\n')[0]!;
    const match = /^#!(\S+) (.+)$/.exec(line);
    assert.ok(match, line);
    // The kernel passes what follows the interpreter as one argument; env -S splits it.
    const r = spawnSync(match[1]!, [match[2]!, CLI, 'run', '--env-file', f.missing, 'busybox', 'true'], {
      encoding: 'utf8',
      env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, MYDOCKER_ROOT: w.root },
    });
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, /^mydocker: cannot read env file .*missing: no such file or directory\n$/);
  });
});
