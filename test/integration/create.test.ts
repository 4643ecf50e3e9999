// `create` as Docker's: the container `run` would make, not started (status Created, a `create`
// event, no mount, cgroup or process of it), then `start` starts it detached or attached; a bad
// image or flag leaves nothing; a created container never started is removed whole by `rm`.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

describe('create', { skip }, () => {
  test('creates without starting; start -a runs it attached with its exit code; start runs it detached', async (t) => {
    const w = worldFor(t, 'create', { image: true });
    const created = w.run(['create', '--name', 'once', '--net', 'none', '-e', 'GREETING=hi', '-l', 'team=a', 'busybox', 'sh', '-c', 'echo "$GREETING from $(hostname)"; exit 3']);
    assert.equal(created.status, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(w.run(['ps', '-a', '--filter', 'name=^/once$', '--format', '{{.Status}} {{.Labels}}']).stdout, 'Created team=a\n');
    const inspected = JSON.parse(w.run(['inspect', 'once']).stdout)[0];
    assert.deepEqual([inspected.State.Status, inspected.State.Running, inspected.State.Pid], ['created', false, 0]);
    // Nothing of a running container exists yet: no mount, no cgroup.
    assert.deepEqual(w.mounts(), []);
    assert.deepEqual(w.cgroups(), []);
    const events = w.run(['events', '--since', '0', '--until', '0s', '--format', '{{.Action}} {{.Actor.Attributes.name}}']).stdout;
    assert.deepEqual(events.split('\n').filter((e) => e.endsWith(' once')), ['create once']);

    const attached = w.run(['start', '-a', 'once']);
    assert.equal(attached.status, 3, attached.stderr);
    assert.equal(attached.stdout, `hi from ${id.slice(0, 12)}\n`);
    assert.match(w.run(['ps', '-a', '--filter', 'name=^/once$', '--format', '{{.Status}}']).stdout, /^Exited \(3\)/);

    assert.equal(w.run(['create', '--name', 'server', '--net', 'none', 'busybox', 'sleep', '1000']).status, 0);
    const started = w.run(['start', 'server']);
    assert.equal(started.status, 0, started.stderr);
    assert.equal(started.stdout, 'server\n');
    await waitFor(() => w.run(['ps', '--filter', 'name=^/server$', '--format', '{{.Status}}']).stdout.startsWith('Up '), 'server to run');
    assert.equal(w.run(['exec', 'server', 'true']).status, 0);
    for (const name of ['once', 'server']) assert.equal(w.run(['rm', '-f', name]).status, 0);
    assert.deepEqual(w.containerIds(), []);
  });

  test('--rm: removed when the started container ends; a created one never started is removed whole by rm', async (t) => {
    const w = worldFor(t, 'create-rm', { image: true });
    assert.equal(w.run(['create', '--rm', '--name', 'brief', '--net', 'none', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['start', '-a', 'brief']).status, 0);
    await waitFor(() => w.containerIds().length === 0, 'brief to be removed');
    assert.equal(w.run(['create', '--name', 'idle', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['rm', 'idle']).status, 0);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.list('names'), []);
  });

  test('a missing image, a bad flag or a taken name: one line, exit 125, nothing created', (t) => {
    const w = worldFor(t, 'create-bad', { image: true });
    const noImage = w.run(['create', 'no-such-image']);
    assert.equal(noImage.status, 125);
    assert.match(noImage.stderr, /^mydocker: unable to find image "no-such-image"/);
    const detach = w.run(['create', '-d', 'busybox']);
    assert.equal(detach.status, 125);
    assert.match(detach.stderr, /unknown shorthand flag: 'd' in -d/);
    assert.match(detach.stderr, /mydocker create --help/);
    const badMemory = w.run(['create', '--memory', 'lots', 'busybox']);
    assert.equal(badMemory.status, 125);
    assert.equal(badMemory.stderr.trim().split('\n').length, 1, badMemory.stderr);
    assert.equal(w.run(['create', '--name', 'taken', 'busybox']).status, 0);
    const again = w.run(['create', '--name', 'taken', 'busybox']);
    assert.equal(again.status, 125);
    assert.match(again.stderr, /taken/);
    assert.equal(w.containerIds().length, 1, 'only the first');
    assert.equal(w.run(['rm', 'taken']).status, 0);
    assert.deepEqual(w.containerIds(), []);
  });
});
