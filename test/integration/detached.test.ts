// Detached containers: run -d, the shim that stays behind, logs, status, start and restart.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;


function status(w: World, name: string): string {
  return w.run(['ps', '-a']).stdout.split('\n').find((l) => l.trimEnd().endsWith(` ${name}`)) ?? '';
}

describe('detached containers', { skip }, () => {
  test('run -d prints the ID once running, logs both streams with timestamps, ends as Exited (3)', async (t) => {
    const w = worldFor(t, 'detach', { image: true });
    const r = w.run(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'echo out-1; echo err-1 >&2; read _ </proc/self/stat; echo "out \\"2\\""; sleep 1; exit 3']);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(w.containerIds()[0], id);

    await waitFor(() => /Exited \(3\)/.test(status(w, 'bg')), 'the container to exit by itself');
    const logs = w.run(['logs', 'bg']);
    assert.equal(logs.status, 0, logs.stderr);
    assert.equal(logs.stdout, 'out-1\nout "2"\n');
    assert.equal(logs.stderr, 'err-1\n');
    const stamped = w.run(['logs', '-t', 'bg']).stdout.split('\n').filter(Boolean);
    for (const line of stamped) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out/);
    // The raw log keeps the stream of every line, in the order the shim read them.
    const raw = fs.readFileSync(`${w.root}/containers/${id}/container.log`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stream: string; log: string });
    assert.deepEqual(raw.map((e) => e.stream).sort(), ['stderr', 'stdout', 'stdout']);
    const last = raw.at(-1)!;
    const tail = w.run(['logs', '--tail', '1', 'bg']);
    assert.equal(last.stream === 'stdout' ? tail.stdout : tail.stderr, last.log);
    assert.equal(tail.stdout + tail.stderr, last.log);

    // The shim ran the cleanup: the exit is recorded and the rootfs unmounted.
    await waitFor(() => w.mounts().length === 0, 'the cleanup to unmount the rootfs');
    const [info] = JSON.parse(w.run(['inspect', 'bg']).stdout);
    assert.equal(info.State.ExitCode, 3);
    assert.equal(info.LogPath, `${w.root}/containers/${id}/container.log`);

    const json = w.run(['ps', '-a', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(json.length, 1);
    assert.equal(json[0].ID, id.slice(0, 12));
    assert.equal(json[0].Names, 'bg');
    assert.equal(json[0].State, 'exited');
    assert.match(json[0].Status, /^Exited \(3\) /);
    assert.equal(w.run(['ps', '-q']).stdout, '', 'ps without -a lists running containers only');
    assert.equal(w.run(['ps', '-aq']).stdout, `${id.slice(0, 12)}\n`);
  });

  test('no Node process stays behind a detached container, only the small shim', async (t) => {
    const w = worldFor(t, 'shim', { image: true });
    const id = w.run(['run', '-d', '--name', 'quiet', 'busybox', 'sleep', '1000']).stdout.trim();
    const pid = w.record(id)?.state.pid;
    assert.ok(pid, `the record of ${id} has its PID 1`);
    const parent = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    assert.equal(fs.readFileSync(`/proc/${parent}/comm`, 'utf8').trim(), 'mydocker-shim');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${parent}/status`, 'utf8'))![1]);
    assert.ok(rssKb < 2048, `the shim uses ${rssKb} kB`);
    assert.equal(w.run(['stop', '-t', '0', 'quiet']).status, 0);
    await waitFor(() => /Exited \(137\)/.test(status(w, 'quiet')), 'the stop to be recorded');
  });

  test('logs -f follows until the container ends', async (t) => {
    const w = worldFor(t, 'follow', { image: true });
    assert.equal(w.run(['run', '-d', '--name', 'talker', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo "line $i"; sleep 0.3; done']).status, 0);
    const follow = w.run(['logs', '-f', 'talker'], { timeoutMs: 30_000 });
    assert.equal(follow.status, 0, follow.stderr);
    assert.equal(follow.stdout, 'line 1\nline 2\nline 3\n');
  });

  test('run -d --rm removes everything when the command ends', async (t) => {
    const w = worldFor(t, 'detachrm', { image: true });
    assert.equal(w.run(['run', '-d', '--rm', 'busybox', 'true']).status, 0);
    await waitFor(() => w.containerIds().length === 0, 'the container to be removed');
    assert.deepEqual(w.mounts(), []);
    assert.deepEqual(w.list('storage/overlay'), []);
    assert.deepEqual(w.list('names'), []);
  });

  test('start runs a stopped container again with its files; restart too', async (t) => {
    const w = worldFor(t, 'start', { image: true });
    assert.equal(w.run(['run', '--name', 'again', 'busybox', 'sh', '-c', 'echo run >> /runs; wc -l < /runs']).stdout, '1\n');
    const attached = w.run(['start', '-a', 'again']);
    assert.equal(attached.status, 0, attached.stderr);
    assert.equal(attached.stdout, '2\n', 'the file written by the first run is still there');

    const id = w.run(['run', '-d', '--name', 'svc', 'busybox', 'sh', '-c', 'echo started >> /starts; sleep 1000']).stdout.trim();
    const firstPid = w.record(id)?.state.pid;
    assert.ok(firstPid, `the record of ${id} has its PID 1`);
    const restart = w.run(['restart', '-t', '0', 'svc']);
    assert.equal(restart.status, 0, restart.stderr);
    await waitFor(() => / Up /.test(status(w, 'svc')), 'svc to run again');
    assert.notEqual(w.record(id)?.state.pid, firstPid);
    assert.equal(w.run(['exec', 'svc', 'wc', '-l', '/starts']).stdout.trim().split(/\s+/)[0], '2');
    assert.equal(w.run(['start', 'svc']).status, 0, 'starting a running container is a no-op');
    assert.equal(w.run(['rm', '-f', 'svc']).status, 0);
    await waitFor(() => w.containerIds().length === 1, 'svc to be removed');
  });
});
