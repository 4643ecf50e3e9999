// A detached container's shim killed (issue 13, item 9): the container is released at once and its
// end recorded (killed with its shim: 137), by the shim's watcher; the watcher killed changes nothing.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { integrationSkipReason, shimSkipReason, waitFor, worldFor } from '../support/world.js';
import { quiet } from '../support/leftovers.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;

function parentOf(pid: number): number {
  return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
}

describe('the shim of a detached container killed', { skip }, () => {
  test('kill -9 of the shim: the container ends as Exited (137) and is released without rm', async (t) => {
    const w = worldFor(t, 'shimkill', { image: true });
    const id = w.run(['run', '-d', '--name', 'orphan', '-m', '64m', 'busybox', 'sleep', '1000']).stdout.trim();
    const pid = w.record(id)!.state.pid!;
    process.kill(parentOf(pid), 'SIGKILL');
    await waitFor(() => w.record(id)?.state.status === 'exited' && w.record(id)?.rootfs === null, 'the end to be recorded and the container released');
    await quiet(w);
    assert.equal(w.record(id)!.state.exitCode, 137);
    assert.deepEqual(w.cgroups(), [], 'its cgroups are removed');
    assert.deepEqual(w.mounts(), [], 'its root is unmounted');
    assert.deepEqual(w.networkLeftovers([id]).filter((l) => l.includes(id.slice(0, 11))), [], 'its veth is gone');
    assert.equal(w.run(['rm', 'orphan']).status, 0);
  });

  test("kill -9 of the shim's watcher: the container runs on, and its end is recorded as usual", async (t) => {
    const w = worldFor(t, 'watchkill', { image: true });
    const id = w.run(['run', '-d', '--name', 'keeps', 'busybox', 'sleep', '1000']).stdout.trim();
    const pid = w.record(id)!.state.pid!;
    process.kill(parentOf(parentOf(pid)), 'SIGKILL');
    assert.match(w.run(['ps']).stdout, /keeps/);
    assert.equal(w.run(['stop', '-t', '0', 'keeps']).status, 0);
    await waitFor(() => w.record(id)?.rootfs === null, 'the release');
    assert.equal(w.record(id)!.state.exitCode, 137);
    assert.equal(w.run(['rm', 'keeps']).status, 0);
  });
});
