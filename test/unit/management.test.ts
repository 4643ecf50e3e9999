// Docker's management commands as the plain ones they stand for (src/cli/management.ts).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveManagement } from '../../src/cli/management.js';

describe('container X and image X', () => {
  it('become the plain command, global flags and the rest kept', () => {
    assert.deepEqual(resolveManagement(['container', 'ls', '-a']), ['ps', '-a']);
    assert.deepEqual(resolveManagement(['--root', '/r', 'container', 'run', '--rm', 'busybox', 'ls', '-l']), ['--root', '/r', 'run', '--rm', 'busybox', 'ls', '-l']);
    assert.deepEqual(resolveManagement(['image', 'rm', '-f', 'busybox']), ['rmi', '-f', 'busybox']);
    assert.deepEqual(resolveManagement(['image', 'ls']), ['images']);
    assert.deepEqual(resolveManagement(['container', 'update', '-m', '1g', 'web']), ['update', '-m', '1g', 'web']);
  });

  it('leaves every other command line as it is', () => {
    for (const argv of [['ps', '-a'], ['run', 'busybox', 'container', 'ls'], [], ['--help'], ['container', '--help']]) assert.deepEqual(resolveManagement(argv), argv);
  });

  it('an unknown or missing subcommand is one line, exit 1, listing the known ones', () => {
    assert.throws(() => resolveManagement(['container', 'teleport']), (e: Error & { exitCode?: number; hint?: string }) => e.message === "'container teleport' is not a mydocker command" && e.exitCode === 1 && /ls\|/.test(e.hint ?? ''));
    assert.throws(() => resolveManagement(['image']), /'mydocker image' needs a command/);
  });
});
