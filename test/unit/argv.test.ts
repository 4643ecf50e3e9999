import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CREATE_FLAGS, EXEC_FLAGS, GLOBAL_FLAGS, lastValue, splitCommand, splitRunArgs, toArray } from '../../src/cli/argv.js';
import { MydockerError } from '../../src/errors.js';

function usage(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MydockerError, `expected a MydockerError, got ${String(error)}`);
    assert.equal(error.exitCode, 125);
    assert.match(error.message, message);
    return true;
  });
}

describe('splitRunArgs', () => {
  it('takes flags before the image and normalizes them to long names', () => {
    const r = splitRunArgs(['--rm', '--name', 'web', '-w', '/app', 'busybox', 'sh']);
    assert.deepEqual(r, { flags: ['--rm', '--name=web', '--workdir=/app'], image: 'busybox', command: ['sh'] });
  });

  it('expands a cluster like -it', () => {
    assert.deepEqual(splitRunArgs(['-it', 'busybox']).flags, ['--interactive', '--tty']);
    assert.deepEqual(splitRunArgs(['-ti', 'busybox']).flags, ['--tty', '--interactive']);
  });

  it('reads a value at the end of a cluster from the next token (-ie K=V)', () => {
    assert.deepEqual(splitRunArgs(['-ie', 'K=V', 'busybox']), { flags: ['--interactive', '--env=K=V'], image: 'busybox', command: [] });
  });

  it('accepts -e K=V, -eK=V, -e=K=V and --env=K=V', () => {
    const r = splitRunArgs(['-e', 'A=1', '-eB=2', '-e=C=3', '--env=D=4=x', '--env', 'E=5', 'busybox']);
    assert.deepEqual(r.flags, ['--env=A=1', '--env=B=2', '--env=C=3', '--env=D=4=x', '--env=E=5']);
    assert.equal(r.image, 'busybox');
  });

  it('rewrites -h NAME to --hostname', () => {
    assert.deepEqual(splitRunArgs(['-h', 'box', 'busybox']).flags, ['--hostname=box']);
    assert.deepEqual(splitRunArgs(['-hbox', 'busybox']).flags, ['--hostname=box']);
  });

  it('gives a value option the next token even when it starts with "-"', () => {
    const r = splitRunArgs(['--name', '-odd', '-e', '-X=1', '-w', '--rm', 'busybox']);
    assert.deepEqual(r.flags, ['--name=-odd', '--env=-X=1', '--workdir=--rm']);
    assert.equal(r.image, 'busybox');
  });

  it('leaves flags after the image to the command', () => {
    assert.deepEqual(splitRunArgs(['busybox', 'ls', '-l', '/']), { flags: [], image: 'busybox', command: ['ls', '-l', '/'] });
    assert.deepEqual(splitRunArgs(['-i', 'busybox', '--rm', '-e', 'X=1']), {
      flags: ['--interactive'],
      image: 'busybox',
      command: ['--rm', '-e', 'X=1'],
    });
  });

  it('ends the flags at "--" and keeps a later "--" in the command', () => {
    assert.deepEqual(splitRunArgs(['--rm', '--', '-weird-image', 'x']), { flags: ['--rm'], image: '-weird-image', command: ['x'] });
    assert.deepEqual(splitRunArgs(['busybox', '--', 'ls']).command, ['--', 'ls']);
    assert.deepEqual(splitRunArgs(['--']), { flags: [], image: undefined, command: [] });
  });

  it('keeps --help as a flag and accepts --root', () => {
    assert.deepEqual(splitRunArgs(['--help']).flags, ['--help']);
    assert.deepEqual(splitRunArgs(['--root', '/w', 'busybox']).flags, ['--root=/w']);
  });

  it('returns no image when only flags are given', () => {
    assert.deepEqual(splitRunArgs(['--rm']), { flags: ['--rm'], image: undefined, command: [] });
  });

  it('refuses unknown long and short flags with exit code 125', () => {
    usage(() => splitRunArgs(['--bogus', 'busybox']), /unknown flag: --bogus/);
    usage(() => splitRunArgs(['-x', 'busybox']), /unknown shorthand flag: 'x' in -x/);
    usage(() => splitRunArgs(['-iz', 'busybox']), /'z' in -iz/);
  });

  it("names the command whose flags were wrong in the hint; create has run's flags but -d", () => {
    assert.throws(() => splitRunArgs(['-d', 'busybox'], [...CREATE_FLAGS, ...GLOBAL_FLAGS], 'create'), (e: MydockerError) => e.exitCode === 125 && /unknown shorthand flag: 'd' in -d/.test(e.message) && /mydocker create --help/.test(e.hint ?? ''));
    assert.throws(() => splitRunArgs(['--bogus', 'c1'], [...EXEC_FLAGS, ...GLOBAL_FLAGS], 'exec'), (e: MydockerError) => /mydocker exec --help/.test(e.hint ?? ''));
    assert.deepEqual(splitRunArgs(['--rm', '-p', '80', 'busybox', 'true'], [...CREATE_FLAGS, ...GLOBAL_FLAGS], 'create'), { flags: ['--rm', '--publish=80'], image: 'busybox', command: ['true'] });
  });

  it('refuses a value on a boolean flag', () => {
    usage(() => splitRunArgs(['--rm=true', 'busybox']), /--rm takes no value/);
  });

  it('refuses a value flag without its value', () => {
    usage(() => splitRunArgs(['--name']), /flag needs an argument: --name/);
    usage(() => splitRunArgs(['-e']), /flag needs an argument: -e/);
    usage(() => splitRunArgs(['-it', '-h']), /flag needs an argument: -h/);
  });

  it('gives usage errors a hint', () => {
    try {
      splitRunArgs(['--nope']);
      assert.fail('should have thrown');
    } catch (error) {
      assert.ok(error instanceof MydockerError);
      assert.equal(error.hint, "see 'mydocker run --help'");
    }
  });
});

describe('splitCommand', () => {
  it('splits global flags, the command and the rest', () => {
    assert.deepEqual(splitCommand(['--root', '/w', 'run', '-it', 'busybox']), {
      globals: ['--root', '/w'],
      command: 'run',
      rest: ['-it', 'busybox'],
    });
  });

  it('accepts --root=DIR and other leading flags', () => {
    assert.deepEqual(splitCommand(['--root=/w', '--help', 'ps']), { globals: ['--root=/w', '--help'], command: 'ps', rest: [] });
  });

  it('does not take the command as the value of a flag other than --root', () => {
    assert.deepEqual(splitCommand(['-v', 'ps', '-a']), { globals: ['-v'], command: 'ps', rest: ['-a'] });
  });

  it('handles no command at all', () => {
    assert.deepEqual(splitCommand([]), { globals: [], command: undefined, rest: [] });
    assert.deepEqual(splitCommand(['--root']), { globals: ['--root', ''], command: undefined, rest: [] });
  });
});

describe('toArray / lastValue', () => {
  it('toArray turns absent values into [] and everything else into strings', () => {
    assert.deepEqual(toArray(undefined), []);
    assert.deepEqual(toArray(null), []);
    assert.deepEqual(toArray(false), []);
    assert.deepEqual(toArray('a'), ['a']);
    assert.deepEqual(toArray(['a', 2, true]), ['a', '2', 'true']);
    assert.deepEqual(toArray(0), ['0']);
  });

  it('lastValue: the last one wins', () => {
    assert.equal(lastValue(undefined), undefined);
    assert.equal(lastValue('x'), 'x');
    assert.equal(lastValue(['a', 'b', 'c']), 'c');
    assert.equal(lastValue([]), undefined);
  });
});
