// pull against a real registry (Debian's docker-registry) that the test starts on 127.0.0.1, with an
// image the test pushes into it with skopeo from an archive written by `mydocker save`; and push,
// whose image pull then brings back.
import { describe, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { worldFor, integrationSkipReason, type World } from '../support/world.js';

function registrySkipReason(): string | null {
  for (const tool of ['docker-registry', 'skopeo']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install docker-registry skopeo)`;
  }
  return null;
}

const skip = integrationSkipReason() ?? registrySkipReason() ?? false;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A registry on 127.0.0.1 storing under the world's root, stopped after the test. */
async function startRegistry(t: TestContext, w: World): Promise<{ address: string; storage: string }> {
  const port = await freePort();
  const storage = path.join(w.root, 'registry');
  const config = path.join(w.root, 'registry.yml');
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  t.after(() => registry.kill('SIGKILL'));
  const address = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`http://${address}/v2/`).then((r) => r.ok).catch(() => false)) break;
    if (i > 200) throw new Error('the registry did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { address, storage };
}

/** Pushes the world's busybox image (saved by mydocker) into the registry as NAME:TAG. */
function push(w: World, address: string, name: string): void {
  const archive = path.join(w.root, 'push.tar');
  assert.equal(w.run(['save', '-o', archive, 'busybox']).status, 0);
  const r = spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${address}/${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('pull', { skip }, () => {
  test('pulls an image from a registry, checks its digests, and runs it', async (t) => {
    const source = worldFor(t, 'pushsrc', { image: true });
    const { address } = await startRegistry(t, source);
    push(source, address, 'tools/box:1.0');

    const w = worldFor(t, 'pull');
    const pull = w.run(['pull', `${address}/tools/box:1.0`]);
    assert.equal(pull.status, 0, pull.stderr);
    assert.match(w.run(['images']).stdout, new RegExp(`^${address.replace(/\./g, '\\.')}/tools/box\\s+1\\.0\\s`, 'm'));
    const r = w.run(['run', '--rm', `${address}/tools/box:1.0`, 'sh', '-c', 'echo pulled; ls /bin/busybox']);
    assert.equal(r.stdout, 'pulled\n/bin/busybox\n', r.stderr);
    // The layer is the one that was pushed: same diff id as in the source world.
    assert.deepEqual(w.list('layers'), source.list('layers'));
    const missing = w.run(['pull', `${address}/tools/box:nope`]);
    assert.equal(missing.status, 125);
    assert.match(missing.stderr, /not found/);
  });

  test('push: an image (built here, two layers) to the registry, whence pull brings it back byte for byte; what the registry has is not sent again', async (t) => {
    const source = worldFor(t, 'pushmine', { image: true });
    const { address } = await startRegistry(t, source);
    const context = path.join(source.root, 'context');
    fs.mkdirSync(context);
    fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM busybox\nRUN echo made-here > /made\nCMD ["cat", "/made"]\n');
    const name = `${address}/team/app:v1`;
    assert.equal(source.run(['build', '--network', 'none', '-t', name, context], { timeoutMs: 120_000 }).status, 0);
    const pushed = source.run(['push', name]);
    assert.equal(pushed.status, 0, pushed.stderr);
    const lines = pushed.stdout.trim().split('\n');
    assert.equal(lines[0], `The push refers to repository [${address}/team/app]`);
    assert.deepEqual(lines.slice(1, 3).map((l) => l.replace(/^[0-9a-f]{12}: /, '')), ['Pushed', 'Pushed']);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/.exec(lines[3]!)?.[1];
    assert.ok(digest, lines[3]);
    // Again, under another tag: every layer is there already.
    assert.equal(source.run(['tag', name, `${address}/team/app:v2`]).status, 0);
    const again = source.run(['push', `${address}/team/app:v2`]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout.split('\n').filter((l) => l.endsWith(': Layer already exists')).length, 2, again.stdout);

    const w = worldFor(t, 'pullmine');
    assert.equal(w.run(['pull', name]).status, 0);
    assert.equal(w.run(['run', '--rm', '--net', 'none', name]).stdout, 'made-here\n');
    assert.deepEqual(w.list('layers'), source.list('layers').filter((l) => w.list('layers').includes(l)).sort());
    assert.equal(w.list('layers').length, 2);
    const byDigest = w.run(['pull', `${address}/team/app@${digest}`]);
    assert.equal(byDigest.status, 0, byDigest.stderr);

    const unknown = source.run(['push', `${address}/team/none:v1`]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /An image does not exist locally with the tag: .*team\/none:v1/);
  });

  test('a tampered layer in the registry is rejected, and nothing of it stays', async (t) => {
    const source = worldFor(t, 'tampersrc', { image: true });
    const { address, storage } = await startRegistry(t, source);
    push(source, address, 'tools/box:1.0');
    // Damage the largest blob (the layer) in the registry's own storage.
    const blobs = path.join(storage, 'docker/registry/v2/blobs/sha256');
    const files = fs.readdirSync(blobs).flatMap((d) => fs.readdirSync(path.join(blobs, d)).map((h) => path.join(blobs, d, h, 'data')));
    const layer = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    const data = fs.readFileSync(layer);
    data[data.length - 100] = data[data.length - 100]! ^ 0xff;
    fs.writeFileSync(layer, data);

    const w = worldFor(t, 'tampered');
    const pull = w.run(['pull', `${address}/tools/box:1.0`]);
    assert.equal(pull.status, 125);
    assert.match(pull.stderr, /does not match|cannot read the archive/);
    assert.doesNotMatch(w.run(['images']).stdout, /tools\/box/);
    assert.deepEqual(w.list('layers'), []);
  });
});
