// save and load with real archives: our own round trip, a hand-built `docker save` archive with
// two layers and whiteouts, an OCI layout with gzip layers, and tampered archives.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { World, worldFor, integrationSkipReason } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A layer tarball (GNU tar) of the files given, relative paths to contents. */
function layerTar(dir: string, files: Record<string, string>, withBusybox = false): Buffer {
  fs.mkdirSync(dir, { recursive: true });
  if (withBusybox) {
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
    fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
    for (const applet of ['sh', 'cat', 'ls']) fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return execFileSync('tar', ['-C', dir, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
}

function imageConfig(diffIds: string[]): string {
  return JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } });
}

/** Two layers: the second deletes /etc/a, replaces /opt (opaque) and adds /etc/c. */
function twoLayers(w: World): [Buffer, Buffer] {
  const first = layerTar(path.join(w.root, 'l1'), { 'etc/a': 'a\n', 'etc/b': 'b\n', 'opt/old': 'old\n' }, true);
  const second = layerTar(path.join(w.root, 'l2'), { 'etc/.wh.a': '', 'etc/c': 'c\n', 'opt/.wh..wh..opq': '', 'opt/new': 'new\n' });
  return [first, second];
}

function writeTar(w: World, name: string, files: Record<string, Buffer | string>): string {
  const dir = path.join(w.root, `${name}.d`);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  const tarball = path.join(w.root, `${name}.tar`);
  execFileSync('tar', ['-C', dir, '-cf', tarball, '.']);
  return tarball;
}

// /etc also holds the runtime's hostname, hosts and resolv.conf (bound in at run, as Docker does):
// they are not the image's, so they are left out of what is compared.
const CHECK = 'ls /etc | grep -vxE "hostname|hosts|resolv.conf"; ls /opt; cat /etc/c';

describe('save and load', { skip }, () => {
  test('save then load into a fresh state root gives the identical image', (t) => {
    const w = worldFor(t, 'save', { image: true });
    const made = w.run(['run', '--name', 'saved', 'busybox', 'sh', '-c', 'echo hi > /x; rm /etc/group']);
    assert.equal(made.status, 0, made.stderr);
    const committed = w.run(['commit', 'saved', 'two:v1']).stdout.trim();
    const archive = path.join(w.root, 'images.tar');
    const save = w.run(['save', '-o', archive, 'two:v1', 'busybox']);
    assert.equal(save.status, 0, save.stderr);
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }));
    assert.deepEqual(manifest.map((m: { RepoTags: string[] }) => m.RepoTags), [['two:v1'], ['busybox:latest']]);

    const fresh = worldFor(t, 'load');
    // Through stdin and gzip-compressed, as `docker save | gzip | mydocker load` would send it.
    const load = fresh.run(['load'], { input: gzipSync(fs.readFileSync(archive)) });
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout, 'Loaded image: two:v1\nLoaded image: busybox:latest\n');
    const [original] = JSON.parse(w.run(['inspect', 'saved']).stdout);
    assert.match(committed, /^sha256:/);
    assert.ok(fresh.run(['images']).stdout.includes(committed.slice(7, 19)), 'the same image ID');
    assert.ok(original.Image);
    const r = fresh.run(['run', '--rm', 'two:v1', 'sh', '-c', 'cat /x; test -e /etc/group || echo no-group']);
    assert.equal(r.stdout, 'hi\nno-group\n', r.stderr);
  });

  test('a hand-built `docker save` archive with two layers and whiteouts loads correctly', (t) => {
    const w = worldFor(t, 'dockersave');
    const [first, second] = twoLayers(w);
    const config = imageConfig([sha256(first), sha256(second)]);
    const archive = writeTar(w, 'docker', {
      'manifest.json': JSON.stringify([{ Config: 'config.json', RepoTags: ['handmade:1'], Layers: ['one/layer.tar', 'two/layer.tar'] }]),
      'config.json': config,
      'one/layer.tar': first,
      'two/layer.tar': second,
    });
    const load = w.run(['load', '-i', archive]);
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout, 'Loaded image: handmade:1\n');
    const r = w.run(['run', '--rm', 'handmade:1', 'sh', '-c', CHECK]);
    assert.equal(r.stdout, 'b\nc\nnew\nc\n', r.stderr);
    assert.equal(w.list('layers').length, 2);
  });

  test('an OCI image layout with gzip layers loads, its blobs checked against their digests', (t) => {
    const w = worldFor(t, 'oci');
    const [first, second] = twoLayers(w);
    const blobs: Record<string, Buffer | string> = {};
    const blob = (data: Buffer | string): { digest: string; size: number } => {
      const digest = sha256(data);
      blobs[`blobs/sha256/${digest.slice(7)}`] = data;
      return { digest, size: Buffer.byteLength(data) };
    };
    const config = blob(imageConfig([sha256(first), sha256(second)]));
    const layers = [gzipSync(first), gzipSync(second)].map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(g) }));
    const manifest = blob(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers }));
    const archive = writeTar(w, 'oci', {
      ...blobs,
      'oci-layout': '{"imageLayoutVersion":"1.0.0"}',
      'index.json': JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': 'oci-made:2' } }],
      }),
    });
    const load = w.run(['load', '-i', archive]);
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout, 'Loaded image: oci-made:2\n');
    assert.equal(w.run(['run', '--rm', 'oci-made:2', 'sh', '-c', CHECK]).stdout, 'b\nc\nnew\nc\n');
  });

  test('a layer that does not match its diff id is refused, and nothing of it stays', (t) => {
    const w = worldFor(t, 'tampered');
    const [first, second] = twoLayers(w);
    const archive = writeTar(w, 'bad', {
      'manifest.json': JSON.stringify([{ Config: 'config.json', RepoTags: ['bad:1'], Layers: ['one/layer.tar', 'two/layer.tar'] }]),
      'config.json': imageConfig([sha256(first), sha256('something else')]),
      'one/layer.tar': first,
      'two/layer.tar': second,
    });
    const load = w.run(['load', '-i', archive]);
    assert.equal(load.status, 125);
    assert.match(load.stderr, /layer 2 \(two\/layer\.tar\) does not match its diff id/);
    assert.doesNotMatch(w.run(['images']).stdout, /bad/);
    assert.deepEqual(w.list('layers'), []);
    assert.deepEqual(w.list('tmp'), []);
  });

  test('an archive naming files outside itself is refused', (t) => {
    const w = worldFor(t, 'escape');
    const archive = writeTar(w, 'escape', {
      'manifest.json': JSON.stringify([{ Config: '../../../etc/passwd', RepoTags: ['x:1'], Layers: [] }]),
    });
    const load = w.run(['load', '-i', archive]);
    assert.equal(load.status, 125);
    assert.match(load.stderr, /contains '\.\.'/);
  });
});
