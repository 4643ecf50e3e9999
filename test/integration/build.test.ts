// `build` with real Dockerfiles: every RUN in a container of the world, layers and cache in its root;
// `system check` at each world's cleanup proves that nothing of a build (container, staging,
// dangling cache entry) is left.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { worldFor, integrationSkipReason, type World } from '../support/world.js';

const skip = integrationSkipReason() ?? false;
const gccSkip = spawnSync('gcc', ['--version']).status === 0 ? false : 'no gcc on the host to compile the static program';

/** A context directory with these files (a trailing '/' makes a directory). */
function context(w: World, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(w.root, '..', `${path.basename(w.root)}-ctx-`));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (name.endsWith('/')) fs.mkdirSync(file, { recursive: true });
    else fs.writeFileSync(file, content);
  }
  return dir;
}

function removeContext(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** What a build could leave in the root: containers, layers, image records, staging. */
function snapshot(w: World): Record<string, string[]> {
  return { containers: w.list('containers'), layers: w.list('layers'), images: w.list('images'), tmp: w.list('tmp'), storage: w.list('storage/overlay') };
}

function build(w: World, args: string[]) {
  return w.run(['build', '--network', 'none', ...args], { timeoutMs: 120_000 });
}

describe('build', { skip }, () => {
  test('multi-stage: a static C program built in one stage runs from a scratch image', { skip: gccSkip }, (t) => {
    const w = worldFor(t, 'build-multi');
    const ctx = context(w, { 'hello.c': '#include <stdio.h>\nint main(int c, char **v) { printf("hello from %s\\n", c > 1 ? v[1] : "C"); return 0; }\n' });
    t.after(() => removeContext(ctx));
    // busybox has no compiler: the host's gcc makes the binary in the context, the builder stage runs it.
    execFileSync('gcc', ['-static', '-O2', '-o', path.join(ctx, 'hello'), path.join(ctx, 'hello.c')]);
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      [
        'FROM busybox AS builder',
        'WORKDIR /src',
        'COPY hello.c hello ./',
        'RUN ./hello stage > made-in-stage.txt',
        '',
        'FROM scratch',
        'COPY --from=builder /src/hello /bin/hello',
        'COPY --from=builder /src/made-in-stage.txt /',
        'ENTRYPOINT ["/bin/hello"]',
        'CMD ["scratch"]',
      ].join('\n'),
    );
    // The RUN of this test goes through the default bridge network, as Docker's do.
    const r = w.run(['build', '-t', 'hello:1', ctx], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Step 1\/9 : FROM busybox AS builder$/m);
    assert.match(r.stdout, /^ ---> Running in [0-9a-f]{12}$/m);
    assert.match(r.stdout, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(r.stdout, /^Successfully tagged hello:1$/m);
    const run = w.run(['run', '--rm', '--net', 'none', 'hello:1']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'hello from scratch\n');
    const cat = w.run(['run', '--rm', '--net', 'none', '--entrypoint', '/bin/hello', 'hello:1', 'again']);
    assert.equal(cat.stdout, 'hello from again\n');
    const target = w.run(['build', '-q', '--target', 'builder', '-t', 'hello:builder', ctx], { timeoutMs: 120_000 });
    assert.equal(target.status, 0, target.stderr);
    const stage = w.run(['run', '--rm', '--net', 'none', 'hello:builder', 'cat', 'made-in-stage.txt']);
    assert.equal(stage.stdout, 'hello from stage\n', '--target builds the named stage (from the cache)');
    const saved = path.join(w.root, 'hello.tar');
    assert.equal(w.run(['save', '-o', saved, 'hello:1']).status, 0);
    const listing = execFileSync('tar', ['-tf', saved], { encoding: 'utf8' });
    assert.equal(listing.split('\n').filter((l) => l.endsWith('layer.tar')).length, 2, 'two COPY layers, nothing of the builder stage');
  });

  test('.dockerignore, ARG/ENV substitution, USER and WORKDIR, the image config', (t) => {
    const w = worldFor(t, 'build-args');
    const ctx = context(w, {
      'app/main.sh': 'echo main\n',
      'app/notes.md': 'left out\n',
      'app/README.md': 'kept by !\n',
      'secret.key': 'no\n',
      'skipped/x.txt': 'no\n',
      'docs/old.txt': 'no\n',
      'docs/keep.txt': 'kept by !\n',
      '.dockerignore': 'secret.key\n**/*.md\n!app/README.md\nskipped\ndocs\n!docs/keep.txt\n!*.keep\n',
      Dockerfile: [
        'ARG TAG=latest',
        'FROM busybox:${TAG}',
        'ARG WHO=nobody',
        'ARG UNSET',
        'ARG QUOTED="two  words"',
        'ENV GREETING="hello ${WHO}" EMPTY=${UNSET:-fallback}',
        'LABEL maintainer.name="$WHO" version=2',
        'WORKDIR /srv',
        'WORKDIR data',
        'COPY --chown=1000:1000 . ./',
        'RUN echo "run sees WHO=$WHO GREETING=$GREETING pwd=$(pwd) QUOTED=$QUOTED"; ls -A; stat -c "%u:%g %a %n" app app/main.sh',
        'USER 1000',
        'RUN id -u; pwd',
        'STOPSIGNAL SIGQUIT',
        'EXPOSE 8080/tcp',
        'CMD echo "$GREETING $EMPTY from $(pwd) as $(id -u)"',
      ].join('\n'),
    });
    t.after(() => removeContext(ctx));
    const r = build(w, ['-t', 'args', '--build-arg', 'WHO=builder', '--build-arg', 'NOTUSED=1', ctx]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^run sees WHO=builder GREETING=hello builder pwd=\/srv\/data QUOTED=two {2}words$/m);
    const listed = r.stdout.slice(r.stdout.indexOf('run sees'));
    assert.match(listed, /^app$/m);
    assert.match(listed, /^1000:1000 755 app$/m, '--chown owns the copied directories too');
    assert.doesNotMatch(listed, /secret\.key|notes\.md|skipped/, 'an excluded directory is not made, even when walked for an exception');
    assert.match(r.stderr, /One or more build-args \[NOTUSED\] were not consumed/);
    assert.match(r.stdout, /^1000\n\/srv\/data$/m, 'USER applies to the next RUN, in the WORKDIR');
    const run = w.run(['run', '--rm', 'args']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'hello builder fallback from /srv/data as 1000\n');
    const ls = w.run(['run', '--rm', '--user', '0', 'args', 'ls', '-A', 'app']);
    assert.equal(ls.stdout, 'README.md\nmain.sh\n');
    assert.equal(w.run(['run', '--rm', 'args', 'ls', '-A', 'docs']).stdout, 'keep.txt\n');
    const name = `build-args-${process.pid}`;
    assert.equal(w.run(['run', '--name', name, 'args', 'true']).status, 0);
    const inspect = JSON.parse(w.run(['inspect', name]).stdout)[0];
    assert.equal(inspect.Config.Labels['maintainer.name'], 'builder', "the image's labels are the container's");
    assert.equal(inspect.Config.StopSignal, 'SIGQUIT', "the image's STOPSIGNAL is the container's");
    assert.equal(w.run(['rm', name]).status, 0);
    const history = w.run(['history', 'args']).stdout;
    assert.match(history, /\/bin\/sh -c #\(nop\) EXPOSE 8080\/tcp/);
    assert.match(history, /\|2 WHO=builder QUOTED=two {2}words \/bin\/sh -c id -u; pwd/, 'the ARGs a RUN saw, an unset one left out');
  });

  test('a second build takes every step from the cache; a changed file runs its step and those after again', (t) => {
    const w = worldFor(t, 'build-cache');
    const ctx = context(w, {
      'a.txt': 'one\n',
      Dockerfile: 'FROM busybox\nENV X=1\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nCMD ["cat", "/b.txt"]\n',
    });
    t.after(() => removeContext(ctx));
    const first = build(w, ['-t', 'cached', ctx]);
    assert.equal(first.status, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /Using cache/);
    const id = /Successfully built ([0-9a-f]{12})/.exec(first.stdout)![1];
    const second = build(w, ['-t', 'cached', ctx]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.match(/ ---> Using cache/g)?.length, 4);
    assert.doesNotMatch(second.stdout, /Running in/);
    assert.match(second.stdout, new RegExp(`Successfully built ${id}`));
    fs.writeFileSync(path.join(ctx, 'a.txt'), 'two\n');
    const third = build(w, ['-t', 'cached', ctx]);
    assert.equal(third.status, 0, third.stderr);
    assert.equal(third.stdout.match(/ ---> Using cache/g)?.length, 1, 'only ENV is cached');
    assert.match(third.stdout, /Running in/);
    assert.equal(w.run(['run', '--rm', '--net', 'none', 'cached']).stdout, 'two\n');
    // rmi takes the nameless intermediate images of its steps with it (RUN's and COPY's; ENV's image
    // stays, the first build's COPY image is its child too) and their cache entries.
    const cacheEntries = w.list('cache/build').length;
    const rmi = w.run(['rmi', 'cached']);
    assert.equal(rmi.status, 0, rmi.stderr);
    assert.equal((rmi.stdout.match(/^Deleted:/gm) ?? []).length, 3, rmi.stdout);
    assert.equal(w.list('cache/build').length, cacheEntries - 3);
    const noCache = build(w, ['--no-cache', '-q', ctx]);
    assert.equal(noCache.status, 0, noCache.stderr);
    assert.match(noCache.stdout, /^sha256:[0-9a-f]{64}\n$/, '-q prints the ID alone');
  });

  test('a failing RUN names its command and code and leaves nothing', (t) => {
    const w = worldFor(t, 'build-fail', { image: true });
    const ctx = context(w, { Dockerfile: 'FROM busybox\nRUN echo partial > /file && exit 3\nRUN echo never\n' });
    t.after(() => removeContext(ctx));
    const before = snapshot(w);
    const r = build(w, ['-t', 'broken', ctx]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "mydocker: The command '/bin/sh -c echo partial > /file && exit 3' returned a non-zero code: 3\n");
    assert.match(r.stdout, /^Removing intermediate container [0-9a-f]{12}$/m);
    assert.doesNotMatch(r.stdout, /Step 3\/3/);
    assert.deepEqual(snapshot(w), before);
    assert.doesNotMatch(w.run(['images']).stdout, /broken/);
    assert.deepEqual(w.list('cache/build'), []);
  });

  test('SIGINT during a RUN stops the build: its container is killed and removed, nothing is left', async (t) => {
    const w = worldFor(t, 'build-interrupt', { image: true });
    const ctx = context(w, { Dockerfile: 'FROM busybox\nRUN echo started; sleep 600\n' });
    t.after(() => removeContext(ctx));
    const before = snapshot(w);
    const child = w.start(['build', '--network', 'none', ctx]);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('started\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`the build ended first: ${stdout}${stderr}`)));
    });
    child.kill('SIGINT');
    assert.equal(await exited, 1, stderr);
    assert.equal(stderr, 'mydocker: the build was interrupted\n');
    assert.match(stdout, /^Removing intermediate container [0-9a-f]{12}$/m);
    assert.deepEqual(snapshot(w), before);
  });

  test('a build killed while it stages a COPY: system check finds its staging directory and --fix removes it', (t) => {
    const w = worldFor(t, 'build-crash', { image: true });
    const ctx = context(w, { 'f.txt': 'x\n', Dockerfile: 'FROM busybox\nCOPY f.txt /\n' });
    t.after(() => removeContext(ctx));
    const r = w.run(['build', ctx], { env: { MYDOCKER_TEST_STOP_AT: 'build:staged' } });
    assert.equal(r.status, null, 'killed');
    const findings = w.systemCheck();
    assert.equal(findings.length, 1, findings.join('\n'));
    assert.match(findings[0]!, /^staging build-\d+-\d+-\w+: .*\/tmp\/build-\d+-\d+-\w+ \(its build is no longer running\)$/);
    assert.deepEqual(w.systemCheck(true), findings.map((f) => `removed: ${f}`));
    assert.deepEqual(w.list('tmp'), []);
  });

  test('bad Dockerfiles and escaping COPY sources: one line with the line number, exit 1, nothing left', (t) => {
    const w = worldFor(t, 'build-bad', { image: true });
    const outside = path.join(w.root, 'outside-secret');
    fs.writeFileSync(outside, 'secret\n');
    const ctx = context(w, { 'ok.txt': 'ok\n' });
    t.after(() => removeContext(ctx));
    fs.symlinkSync(outside, path.join(ctx, 'link'));
    const before = snapshot(w);
    const cases: Array<[string, RegExp]> = [
      ['FROM busybox\n\nRUNN echo\n', /^mydocker: Dockerfile line 3: unknown instruction: RUNN\n$/],
      ['FROM busybox\nCOPY ../outside-secret /\n', /^mydocker: Dockerfile line 2: COPY failed: forbidden path outside the build context: \.\.\/outside-secret\n$/],
      ['FROM busybox\nCOPY link /\n', /^mydocker: Dockerfile line 2: COPY failed: forbidden path outside the build context: link is a symlink to /],
      ['FROM busybox\nCOPY missing /\n', /^mydocker: Dockerfile line 2: COPY failed: file not found in the build context or excluded by \.dockerignore: missing\n$/],
      ['FROM busybox\nADD http://example.com/x /\n', /^mydocker: Dockerfile line 2: ADD of a URL \(http:\/\/example\.com\/x\) is not supported/],
      ['FROM busybox\nENV A="open\n', /^mydocker: Dockerfile line 2: unexpected end of statement/],
      ['RUN true\n', /^mydocker: Dockerfile line 1: RUN before the first FROM/],
      ['FROM nosuchimage\n', /^mydocker: Dockerfile line 1: unable to find image "nosuchimage"/],
    ];
    for (const [dockerfile, message] of cases) {
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
      const r = build(w, ['-t', 'bad', ctx]);
      assert.equal(r.status, 1, `${dockerfile}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
    assert.deepEqual(snapshot(w), before);
  });

  test('ADD extracts a local tar through the layer extractor; save of a built image loads back with the same ID', (t) => {
    const w = worldFor(t, 'build-add');
    const ctx = context(w, { 'tree/etc/conf': 'x=1\n', 'tree/bin/tool': '#!/bin/sh\necho tool\n' });
    t.after(() => removeContext(ctx));
    fs.chmodSync(path.join(ctx, 'tree/bin/tool'), 0o755);
    execFileSync('tar', ['-C', path.join(ctx, 'tree'), '--owner=42', '--group=43', '-czf', path.join(ctx, 'tree.tar.gz'), '.']);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nADD tree.tar.gz /opt/\nRUN /opt/bin/tool && stat -c "%u:%g" /opt/etc/conf\nVOLUME /data\n');
    const r = build(w, ['-t', 'added:v1', ctx]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tool\n42:43$/m, "the archive's owners are kept");
    const built = /Successfully built ([0-9a-f]{12})/.exec(r.stdout)![1]!;
    const archive = path.join(w.root, 'added.tar');
    assert.equal(w.run(['save', '-o', archive, 'added:v1']).status, 0);
    assert.equal(w.run(['rmi', 'added:v1']).status, 0);
    const load = w.run(['load', '-i', archive]);
    assert.equal(load.status, 0, load.stderr);
    assert.match(w.run(['images']).stdout, new RegExp(`^added\\s+v1\\s+${built}\\s`, 'm'));
    const history = w.run(['history', 'added:v1']).stdout;
    assert.match(history, /#\(nop\) VOLUME \["\/data"\]\s+0B/, 'the empty-layer steps survive the round trip');
  });
});
