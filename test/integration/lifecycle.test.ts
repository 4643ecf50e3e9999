// exec, stop, kill, inspect and rm against real running containers (run in the foreground by a
// background mydocker process), and cleaning up after a run that was killed half-way.
import { describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { World, worldFor, integrationSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? false;


/** Starts `mydocker run` in the background and waits until its container is running. */
async function running(t: TestContext, w: World, args: string[]): Promise<{ child: ChildProcess; exit: Promise<number | null> }> {
  const child = w.start(['run', ...args]);
  t.after(() => child.kill('SIGKILL'));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const name = args[args.indexOf('--name') + 1]!;
  await waitFor(() => / Up /.test(w.run(['ps']).stdout.split('\n').find((l) => l.endsWith(name)) ?? ''), `${name} to run`);
  return { child, exit };
}

describe('lifecycle', { skip }, () => {
  test('exec sees the container\'s root, hostname, processes and environment', async (t) => {
    const w = worldFor(t, 'exec', { image: true });
    await running(t, w, ['--name', 'ex', '-h', 'exhost', '-e', 'FROM_RUN=1', 'busybox', 'sh', '-c', 'echo by-pid1 > /marker; exec sleep 1000']);
    const r = w.run(['exec', '-e', 'EXTRA=2', 'ex', 'sh', '-c', 'hostname; cat /marker; echo "$FROM_RUN $EXTRA"; ps -o pid,comm']);
    assert.equal(r.status, 0, r.stderr);
    const [hostname, marker, env, , pid1] = r.stdout.split('\n');
    assert.equal(hostname, 'exhost');
    assert.equal(marker, 'by-pid1');
    assert.equal(env, '1 2');
    assert.match(pid1!, /^\s*1 sleep$/);
    assert.ok(!r.stdout.includes('node'), 'exec sees only the container\'s processes');
    assert.equal(w.run(['exec', '-w', '/tmp', 'ex', 'pwd']).stdout, '/tmp\n');
    assert.equal(w.run(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' }).stdout, 'piped\n');
  });

  test('exec returns the command\'s exit code, 126 and 127', async (t) => {
    const w = worldFor(t, 'execcodes', { image: true });
    await running(t, w, ['--name', 'codes', 'busybox', 'sleep', '1000']);
    assert.equal(w.run(['exec', 'codes', 'sh', '-c', 'exit 9']).status, 9);
    const missing = w.run(['exec', 'codes', 'no-such-thing']);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /executable file not found/);
    assert.equal(w.run(['exec', 'codes', '/etc/passwd']).status, 126);
  });

  test('exec into a stopped container is refused with 125 and runs nothing on the host', (t) => {
    const w = worldFor(t, 'execstopped', { image: true });
    assert.equal(w.run(['run', '--name', 'gone', 'busybox', 'true']).status, 0);
    const marker = path.join(w.root, 'host-marker');
    const r = w.run(['exec', 'gone', 'touch', marker]);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /container gone is not running/);
    assert.ok(!fs.existsSync(marker));
  });

  test('stop ends a PID 1 that ignores SIGTERM with SIGKILL after the timeout; stopping again is fine', async (t) => {
    const w = worldFor(t, 'stop', { image: true });
    const { exit } = await running(t, w, ['--name', 'stubborn', 'busybox', 'sleep', '1000']);
    const stop = w.run(['stop', '-t', '1', 'stubborn']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(stop.stdout, 'stubborn\n');
    assert.equal(await exit, 137);
    const [info] = JSON.parse(w.run(['inspect', 'stubborn']).stdout);
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 137);
    assert.equal(w.run(['stop', 'stubborn']).status, 0);
  });

  test('stop lets a PID 1 that handles SIGTERM exit on its own', async (t) => {
    const w = worldFor(t, 'stopterm', { image: true });
    const { exit } = await running(t, w, ['--name', 'polite', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done']);
    assert.equal(w.run(['stop', 'polite']).status, 0);
    assert.equal(await exit, 0);
  });

  test('kill sends the given signal; killing a stopped container is an error', async (t) => {
    const w = worldFor(t, 'kill', { image: true });
    const { exit } = await running(t, w, ['--name', 'target', 'busybox', 'sh', '-c', 'trap "exit 3" USR1; while :; do sleep 1; done']);
    assert.equal(w.run(['kill', '-s', 'USR1', 'target']).status, 0);
    assert.equal(await exit, 3);
    const again = w.run(['kill', 'target']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /is not running/);
  });

  test('inspect shows config, state, paths and plugin state; unknown names exit 1', async (t) => {
    const w = worldFor(t, 'inspect', { image: true });
    await running(t, w, ['--name', 'seen', '-e', 'A=b', '-w', '/srv', 'busybox', 'sleep', '1000']);
    const [info] = JSON.parse(w.run(['inspect', 'seen']).stdout);
    assert.match(info.Id, /^[0-9a-f]{64}$/);
    assert.equal(info.Name, 'seen');
    assert.deepEqual([info.Path, ...info.Args], ['sleep', '1000']);
    assert.ok(info.Config.Env.includes('A=b'));
    assert.equal(info.Config.WorkingDir, '/srv');
    assert.equal(info.State.Status, 'running');
    assert.ok(fs.existsSync(`/proc/${info.State.Pid}`));
    assert.equal(info.GraphDriver.Name, 'overlay');
    assert.ok(fs.existsSync(info.GraphDriver.Data.MergedDir));
    const missing = w.run(['inspect', 'seen', 'nope']);
    assert.equal(missing.status, 1);
    assert.equal(JSON.parse(missing.stdout).length, 1);
  });

  test('rm refuses a running container; rm -f kills and removes it', async (t) => {
    const w = worldFor(t, 'rmrunning', { image: true });
    const { exit } = await running(t, w, ['--name', 'busy', 'busybox', 'sleep', '1000']);
    const refused = w.run(['rm', 'busy']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /it is running/);
    const forced = w.run(['rm', '-f', 'busy']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(await exit, 137);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.mounts(), []);
    assert.deepEqual(w.list('storage/overlay'), []);
  });

  test('concurrent rm and stop of the same container leave one clean removal', async (t) => {
    const w = worldFor(t, 'race', { image: true });
    await running(t, w, ['--name', 'contested', 'busybox', 'sleep', '1000']);
    const results = await Promise.all(
      ['rm -f', 'rm -f', 'stop', 'rm -f'].map(
        (cmd) =>
          new Promise<number | null>((resolve) => {
            const c = w.start([...cmd.split(' '), 'contested']);
            c.on('exit', resolve);
          }),
      ),
    );
    assert.ok(results.filter((code) => code === 0).length >= 1, `exit codes ${results}`);
    assert.ok(results.every((code) => code === 0 || code === 1), `exit codes ${results}`);
    await waitFor(() => w.containerIds().length === 0, 'the container to be gone');
    assert.deepEqual(w.mounts(), []);
    assert.deepEqual(w.list('storage/overlay'), []);
    assert.deepEqual(w.list('names'), []);
  });

  test('prune removes every stopped container and keeps running ones', async (t) => {
    const w = worldFor(t, 'prune', { image: true });
    assert.equal(w.run(['run', '--name', 'old1', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['run', '--name', 'old2', 'busybox', 'false']).status, 1);
    await running(t, w, ['--name', 'alive', 'busybox', 'sleep', '1000']);
    const pruned = w.run(['prune']);
    assert.equal(pruned.status, 0, pruned.stderr);
    const left = w.containerIds().map((id) => w.record(id)?.name ?? `${id} (no record)`);
    assert.deepEqual(left, ['alive'], `prune printed ${JSON.stringify(pruned.stdout)}, stderr ${JSON.stringify(pruned.stderr)}`);
    assert.equal(pruned.stdout.trim().split('\n').length, 2, pruned.stdout);
  });

  test('a run killed half-way is cleaned up entirely by rm -f', async (t) => {
    const w = worldFor(t, 'crash', { image: true });
    const marker = path.join(w.root, 'in-setup');
    const plugin = path.join(w.root, 'stall.mjs');
    // Stalls in applyCgroups: the rootfs is mounted and the first process exists, waiting.
    fs.writeFileSync(plugin, `import * as fs from 'node:fs';
export default { name: 'stall', apply(api) {
  api.hooks.applyCgroups.tapPromise('stall', async (ctx) => { fs.writeFileSync(${JSON.stringify(marker)}, String(ctx.pid)); await new Promise(() => {}); });
} };
`);
    const child = w.start(['run', '--name', 'crashed', '--plugin', plugin, 'busybox', 'sleep', '1000']);
    t.after(() => child.kill('SIGKILL'));
    const pid = Number(await waitFor(() => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8'), 'setup to stall'));
    assert.ok(w.mounts().length > 0, 'the rootfs is mounted while the run stalls');
    child.kill('SIGKILL');
    // Without its parent, the waiting first process sees EOF on its pipe and exits by itself.
    await waitFor(() => !fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), 'the first process to end');
    const rm = w.run(['rm', '-f', 'crashed']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(w.containerIds(), []);
    assert.deepEqual(w.mounts(), []);
    assert.deepEqual(w.list('storage/overlay'), []);
    assert.deepEqual(w.list('names'), []);
  });
});
