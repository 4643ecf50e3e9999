// The everyday commands and flags of issue 16 that Docker users script with: --label, --entrypoint,
// ps --filter and --format templates, inspect -f.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { worldFor, integrationSkipReason } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

describe('everyday flags and formats', { skip }, () => {
  test('--label is kept, shown by inspect -f and ps templates, and filtered on', (t) => {
    const w = worldFor(t, 'labels', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'front', '--label', 'tier=web', '-l', 'owner', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['run', '--net', 'none', '--name', 'back', '--label', 'tier=db', 'busybox', 'sh', '-c', 'exit 3']).status, 3);

    const labels = w.run(['inspect', '-f', '{{json .Config.Labels}}', 'front']);
    assert.equal(labels.status, 0, labels.stderr);
    assert.deepEqual(JSON.parse(labels.stdout), { tier: 'web', owner: '' });
    assert.equal(w.run(['inspect', '--format', '{{index .Config.Labels "tier"}} {{.State.ExitCode}}', 'front', 'back']).stdout, 'web 0\ndb 3\n');

    assert.equal(w.run(['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.Names}}']).stdout, 'back\n');
    assert.equal(w.run(['ps', '-a', '-f', 'label=owner', '--format', '{{.Names}} {{.Label "tier"}}']).stdout, 'front web\n');
    // A status filter needs no -a, as Docker's (an exited filter alone does).
    assert.equal(w.run(['ps', '--filter', 'status=exited', '--filter', 'exited=3', '--format', '{{.Names}}:{{.State}}']).stdout, 'back:exited\n');
    assert.equal(w.run(['ps', '--filter', 'exited=3', '-q']).stdout, '');
    assert.equal(w.run(['ps', '-a', '--filter', 'name=^/fr', '-q']).stdout.trim().length, 12);

    const table = w.run(['ps', '-a', '--filter', 'status=exited', '--format', 'table {{.Names}}\\t{{.Status}}']).stdout.split('\n');
    assert.match(table[0]!, /^NAMES\s{3,}STATUS$/);
    assert.equal(table.filter((l) => /^(front|back)\s{3,}Exited \(\d\)/.test(l)).length, 2, table.join('\n'));
  });

  test('a bad template or filter is one line with exit code 1, before any output', (t) => {
    const w = worldFor(t, 'badfmt', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'one', 'busybox', 'true']).status, 0);
    for (const args of [
      ['ps', '-a', '--format', '{{.Nope}}'],
      ['ps', '-a', '--format', '{{if .ID}}'],
      ['ps', '--filter', 'color=red'],
      ['inspect', '-f', '{{.State.Nope}}', 'one'],
    ]) {
      const r = w.run(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^mydocker: /);
    }
    assert.equal(w.run(['ps', '--filter', 'color=red']).status, 1);
  });

  test('--entrypoint replaces the image\'s and drops its CMD; arguments follow it', (t) => {
    const w = worldFor(t, 'entry', { image: true });
    const echo = w.run(['run', '--rm', '--net', 'none', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']);
    assert.equal(echo.status, 0, echo.stderr);
    assert.equal(echo.stdout, 'from entrypoint\n');
    // busybox's CMD is sh: with --entrypoint and no arguments it is not appended.
    const alone = w.run(['run', '--rm', '--net', 'none', '--entrypoint', 'echo', 'busybox']);
    assert.equal(alone.stdout, '\n');
    const missing = w.run(['run', '--rm', '--net', 'none', '--entrypoint', '/nope', 'busybox']);
    assert.equal(missing.status, 127, missing.stderr);
  });
});
