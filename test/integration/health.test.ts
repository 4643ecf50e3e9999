// Health checks with real containers: the shim of a detached container (or the foreground run)
// runs `mydocker healthcheck ID` every interval; the status reaches ps, inspect, the health filter
// and the events. Then HEALTHCHECK and ONBUILD in build, and `system df` after known images,
// containers and volumes. No timing asserts: states are waited for with generous deadlines.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';
import { humanSize } from '../../src/cli/format.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;
const DEADLINE = 60_000;

interface Health {
  Status: string;
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

function inspect(w: World, name: string): { State: { Status: string; Health?: Health }; Config: { Healthcheck?: unknown } } {
  const r = w.run(['inspect', name]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

function health(w: World, name: string): Health | undefined {
  return inspect(w, name).State.Health;
}

function statusOf(w: World, name: string): string {
  return w.run(['ps', '-a', '--filter', `name=^/${name}$`, '--format', '{{.Status}}']).stdout.trim();
}

function filtered(w: World, value: string): string[] {
  return w.run(['ps', '-a', '--filter', `health=${value}`, '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean).sort();
}

/** Live processes whose command line holds `text` (a health check of a container names its ID). */
function processesWith(text: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text) && !fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z');
    } catch {
      return false;
    }
  }).map(Number);
}

function context(w: World, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(w.root, '..', `${path.basename(w.root)}-ctx-`));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

describe('health checks', { skip }, () => {
  test('passing, failing and timed-out checks: healthy, unhealthy; ps, inspect, filters, events', async (t) => {
    const w = worldFor(t, 'health', { image: true });
    const run = (name: string, ...flags: string[]): string => {
      const r = w.run(['run', '-d', '--net', 'none', '--name', name, ...flags, 'busybox', 'sleep', '1000']);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    run('good', '--health-cmd', 'echo fine', '--health-interval', '1s');
    run('bad', '--health-cmd', 'echo nope; exit 1', '--health-interval', '1s', '--health-retries', '2');
    run('slow', '--health-cmd', 'sleep 30', '--health-interval', '1s', '--health-timeout', '1s', '--health-retries', '1');
    run('later', '--health-cmd', 'true', '--health-interval', '10m');
    run('plain');

    await waitFor(() => health(w, 'good')?.Status === 'healthy', 'good to become healthy', DEADLINE);
    await waitFor(() => health(w, 'bad')?.Status === 'unhealthy', 'bad to become unhealthy', DEADLINE);
    await waitFor(() => health(w, 'slow')?.Status === 'unhealthy', 'slow to become unhealthy', DEADLINE);

    const good = health(w, 'good')!;
    assert.equal(good.FailingStreak, 0);
    assert.equal(good.Log.at(-1)!.ExitCode, 0);
    assert.equal(good.Log.at(-1)!.Output, 'fine\n');
    assert.ok(Date.parse(good.Log[0]!.End) >= Date.parse(good.Log[0]!.Start));
    const bad = health(w, 'bad')!;
    assert.ok(bad.FailingStreak >= 2, `streak ${bad.FailingStreak}`);
    assert.deepEqual([bad.Log[0]!.ExitCode, bad.Log[0]!.Output], [1, 'nope\n']);
    const slow = health(w, 'slow')!;
    assert.deepEqual([slow.Log[0]!.ExitCode, slow.Log[0]!.Output], [-1, 'Health check exceeded timeout (1s)']);
    // Never checked yet (a 10-minute interval): starting; none without a check.
    assert.equal(health(w, 'later')!.Status, 'starting');
    assert.equal(health(w, 'plain'), undefined);
    assert.deepEqual(inspect(w, 'good').Config.Healthcheck, { Test: ['CMD-SHELL', 'echo fine'], Interval: 1e9 });

    assert.match(statusOf(w, 'good'), /^Up .* \(healthy\)$/);
    assert.match(statusOf(w, 'bad'), /^Up .* \(unhealthy\)$/);
    assert.match(statusOf(w, 'later'), /^Up .* \(health: starting\)$/);
    assert.match(statusOf(w, 'plain'), /^Up [^(]*$/);
    assert.deepEqual(filtered(w, 'healthy'), ['good']);
    assert.deepEqual(filtered(w, 'unhealthy'), ['bad', 'slow']);
    assert.deepEqual(filtered(w, 'starting'), ['later']);
    assert.deepEqual(filtered(w, 'none'), ['plain']);

    const events = w.run(['events', '--since', '0', '--until', '0s', '--format', '{{.Action}} {{.Actor.Attributes.name}}']).stdout;
    assert.match(events, /^health_status: healthy good$/m);
    assert.match(events, /^health_status: unhealthy bad$/m);

    // Stopped: no check runs or starts any more; removed: nothing of it is left.
    const id = w.containerIds().find((c) => w.record(c)?.name === 'good')!;
    assert.equal(w.run(['stop', '-t', '0', 'good']).status, 0);
    await waitFor(() => processesWith(id).length === 0, 'no process to name the stopped container', DEADLINE);
    const after = health(w, 'good')!.Log.length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(health(w, 'good')!.Log.length, after, 'no check after the stop');
    assert.equal(processesWith(id).length, 0);
    for (const name of ['good', 'bad', 'slow', 'later', 'plain']) assert.equal(w.run(['rm', '-f', name]).status, 0);
    assert.deepEqual(w.containerIds(), []);
    await waitFor(() => processesWith(w.root).length === 0, 'no process of the world left', DEADLINE);
  });

  test('--health-start-interval: checks every start interval while starting, then every interval (Docker 25)', async (t) => {
    const w = worldFor(t, 'health-start', { image: true });
    // A ten-minute interval: without the start interval no check would come during this test.
    const flags = ['--health-cmd', 'test -e /tmp/ready', '--health-interval', '10m', '--health-start-period', '10m', '--health-start-interval', '200ms', '--health-retries', '1'];
    const r = w.run(['run', '-d', '--net', 'none', '--name', 'warming', ...flags, 'busybox', 'sleep', '1000']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => (health(w, 'warming')?.Log.length ?? 0) >= 2, 'two checks at the start interval', DEADLINE);
    // Failures within the start period do not count: still starting with one retry.
    assert.deepEqual([health(w, 'warming')!.Status, health(w, 'warming')!.FailingStreak], ['starting', 0]);
    assert.deepEqual(inspect(w, 'warming').Config.Healthcheck, { Test: ['CMD-SHELL', 'test -e /tmp/ready'], Interval: 600e9, StartPeriod: 600e9, StartInterval: 200e6, Retries: 1 });
    assert.equal(w.run(['exec', 'warming', 'touch', '/tmp/ready']).status, 0);
    await waitFor(() => health(w, 'warming')?.Status === 'healthy', 'a passing check', DEADLINE);
    // Passed once: the next check is ten minutes away; at the start interval there would be ~10 more.
    const checks = health(w, 'warming')!.Log.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(health(w, 'warming')!.Log.length, checks, 'no check at the start interval after one passed');
    assert.equal(w.run(['rm', '-f', 'warming']).status, 0);
  });

  test('a foreground container runs its checks from its run', async (t) => {
    const w = worldFor(t, 'health-fg', { image: true });
    const child = w.start(['run', '--net', 'none', '--name', 'fg', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '1000']);
    await waitFor(() => w.containerIds().length === 1 && statusOf(w, 'fg').includes('(healthy)'), 'fg to become healthy', DEADLINE);
    const id = w.containerIds()[0]!;
    assert.equal(w.run(['kill', 'fg']).status, 0);
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => processesWith(id).length === 0, 'no check left after the foreground run ended', DEADLINE);
    assert.equal(w.run(['rm', 'fg']).status, 0);
  });

  test('build: HEALTHCHECK in the image, run shows it, --no-healthcheck drops it; ONBUILD triggers in a child build', async (t) => {
    const w = worldFor(t, 'health-build', { image: true });
    const parent = context(w, { Dockerfile: 'FROM busybox\nHEALTHCHECK --interval=1s --retries=2 CMD test -e /ready || exit 1\nONBUILD RUN echo "triggered" > /onbuild.txt\nONBUILD ENV FROM_TRIGGER=yes\nCMD ["sleep", "1000"]\n' });
    t.after(() => fs.rmSync(parent, { recursive: true, force: true }));
    const built = w.run(['build', '--network', 'none', '-t', 'checked', parent], { timeoutMs: 120_000 });
    assert.equal(built.status, 0, built.stderr);
    assert.doesNotMatch(built.stdout, /^triggered$/m, 'ONBUILD does not run in the image that declares it');
    const parentId = w.run(['build', '-q', '--network', 'none', parent], { timeoutMs: 120_000 }).stdout.trim();
    const parentConfig = JSON.parse(fs.readFileSync(path.join(w.root, 'images', `${parentId.replace('sha256:', '')}.json`), 'utf8')).config;
    assert.deepEqual(parentConfig.Healthcheck, { Test: ['CMD-SHELL', 'test -e /ready || exit 1'], Interval: 1e9, Retries: 2 });
    assert.deepEqual(parentConfig.OnBuild, ['RUN echo "triggered" > /onbuild.txt', 'ENV FROM_TRIGGER=yes']);

    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'img', 'checked']).status, 0);
    await waitFor(() => health(w, 'img')?.Status === 'unhealthy', 'the image\'s check to fail twice', DEADLINE);
    assert.equal(w.run(['exec', 'img', 'touch', '/ready']).status, 0);
    await waitFor(() => health(w, 'img')?.Status === 'healthy', 'the image\'s check to pass', DEADLINE);
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'unchecked', '--no-healthcheck', 'checked']).status, 0);
    assert.equal(health(w, 'unchecked'), undefined);
    assert.deepEqual(filtered(w, 'none'), ['unchecked']);
    const conflict = w.run(['run', '--rm', '--no-healthcheck', '--health-cmd', 'true', 'checked']);
    assert.equal(conflict.status, 125);
    assert.match(conflict.stderr, /--no-healthcheck conflicts with --health-\* options/);

    const child = context(w, { Dockerfile: 'FROM checked\nRUN cat /onbuild.txt\n' });
    t.after(() => fs.rmSync(child, { recursive: true, force: true }));
    const childBuild = w.run(['build', '--network', 'none', '-t', 'child', child], { timeoutMs: 120_000 });
    assert.equal(childBuild.status, 0, childBuild.stderr);
    assert.match(childBuild.stdout, /^# Executing 2 build triggers$/m);
    assert.match(childBuild.stdout, /^triggered$/m, 'the trigger ran before the child\'s own RUN');
    const out = w.run(['run', '--rm', '--net', 'none', '--no-healthcheck', 'child', 'sh', '-c', 'cat /onbuild.txt; echo $FROM_TRIGGER']);
    assert.equal(out.stdout, 'triggered\nyes\n');
    const childId = w.run(['build', '-q', '--network', 'none', child], { timeoutMs: 120_000 }).stdout.trim();
    const childConfig = JSON.parse(fs.readFileSync(path.join(w.root, 'images', `${childId.replace('sha256:', '')}.json`), 'utf8')).config;
    assert.equal(childConfig.OnBuild, undefined, 'triggers are not inherited by grandchildren');
    assert.deepEqual(childConfig.Healthcheck, parentConfig.Healthcheck);

    const refused = context(w, { Dockerfile: 'FROM busybox\nONBUILD ONBUILD RUN true\n' });
    t.after(() => fs.rmSync(refused, { recursive: true, force: true }));
    const r = w.run(['build', '--network', 'none', refused]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Dockerfile line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
    for (const name of ['img', 'unchecked']) assert.equal(w.run(['rm', '-f', name]).status, 0);
  });
});

describe('system df', { skip }, () => {
  test('figures after known images, containers and volumes', async (t) => {
    const w = worldFor(t, 'df', { image: true });
    const df = (): Record<string, { TotalCount: string; Active: string; Size: string; Reclaimable: string }> =>
      Object.fromEntries(w.run(['system', 'df', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.Type, r]));
    const image = JSON.parse(fs.readFileSync(path.join(w.root, 'images', w.list('images').find((f) => f.endsWith('.json'))!), 'utf8'));
    let rows = df();
    assert.deepEqual(rows.Images, { Type: 'Images', TotalCount: '1', Active: '0', Size: humanSize(image.size), Reclaimable: `${humanSize(image.size)} (100%)` });
    assert.equal(rows.Containers!.TotalCount, '0');

    // A second name for the same image: one image, its layers once.
    assert.equal(w.run(['tag', 'busybox', 'other:1']).status, 0);
    assert.equal(df().Images!.Size, humanSize(image.size));

    assert.equal(w.run(['volume', 'create', 'data']).status, 0);
    assert.equal(w.run(['volume', 'create', 'spare']).status, 0);
    assert.equal(w.run(['run', '--net', 'none', '--name', 'writer', '-v', 'data:/data', 'busybox', 'sh', '-c', 'head -c 300000 /dev/zero > /big; head -c 20000 /dev/zero > /data/f']).status, 0);
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'up', 'busybox', 'sleep', '1000']).status, 0);
    rows = df();
    assert.deepEqual([rows.Images!.TotalCount, rows.Images!.Active, rows.Images!.Reclaimable], ['1', '1', '0B (0%)']);
    assert.deepEqual([rows.Containers!.TotalCount, rows.Containers!.Active, rows.Containers!.Size, rows.Containers!.Reclaimable], ['2', '1', '300kB', '300kB (100%)']);
    assert.deepEqual([rows['Local Volumes']!.TotalCount, rows['Local Volumes']!.Active, rows['Local Volumes']!.Size, rows['Local Volumes']!.Reclaimable], ['2', '1', '20kB', '0B (0%)']);
    assert.equal(rows['Build Cache']!.TotalCount, '0');

    const table = w.run(['system', 'df']).stdout.split('\n');
    assert.match(table[0]!, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
    assert.match(table[2]!, /^Containers\s+2\s+1\s+300kB\s+300kB \(100%\)$/);
    const template = w.run(['system', 'df', '--format', '{{.Type}}: {{.Size}}']).stdout;
    assert.match(template, /^Local Volumes: 20kB$/m);
    const verbose = w.run(['system', 'df', '-v']).stdout;
    assert.match(verbose, /^Images space usage:$/m);
    assert.match(verbose, /^data\s+1\s+20kB$/m);
    assert.match(verbose, /^[0-9a-f]{12}\s+busybox\s+.*\s1\s+300kB\s+.*\sExited \(0\) .*\swriter$/m);
    assert.match(verbose, /^[0-9a-f]{12}\s+busybox\s+"sleep 1000"\s+0\s+.*\sUp .*\sup$/m);
    assert.match(verbose, /^spare\s+0\s+0B$/m);
    for (const name of ['writer', 'up']) assert.equal(w.run(['rm', '-f', name]).status, 0);
  });
});
