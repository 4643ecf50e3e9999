import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseReference, pullImage } from '../../src/image/pull.js';
import { ImageStore } from '../../src/image/store.js';
import { StateRoot } from '../../src/state-root.js';
import { buildTar } from '../support/tar-builder.js';
import { tempDir } from '../support/tmp.js';

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('parseReference', () => {
  it('reads names as Docker does', () => {
    assert.deepEqual(parseReference('busybox'), { registry: 'registry-1.docker.io', repository: 'library/busybox', reference: 'latest', localName: 'busybox:latest' });
    assert.deepEqual(parseReference('user/app:2'), { registry: 'registry-1.docker.io', repository: 'user/app', reference: '2', localName: 'user/app:2' });
    assert.deepEqual(parseReference('127.0.0.1:5000/tools/box:1.0'), { registry: '127.0.0.1:5000', repository: 'tools/box', reference: '1.0', localName: '127.0.0.1:5000/tools/box:1.0' });
    assert.equal(parseReference(`localhost/x@sha256:${'a'.repeat(64)}`).reference, `sha256:${'a'.repeat(64)}`);
    assert.throws(() => parseReference('Bad/Name'), /invalid image name/);
    assert.throws(() => parseReference('x@sha256:short'), /invalid digest/);
  });
});

/** The same bytes with one flipped in the middle. */
function tampered(data: Buffer): Buffer {
  const copy = Buffer.from(data);
  copy[copy.length >> 1] = copy[copy.length >> 1]! ^ 0xff;
  return copy;
}

/** A registry in memory: bearer auth, a manifest list with two platforms, blobs by digest. */
function fakeRegistry(options: { tamperLayer?: boolean } = {}) {
  const layer = gzipSync(buildTar([{ name: 'hello', type: 'file', content: 'hi\n' }]));
  const diffId = sha256(buildTar([{ name: 'hello', type: 'file', content: 'hi\n' }]));
  const config = JSON.stringify({ config: { Cmd: ['/hello'], Env: ['A=b'] }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'ADD hello' }] });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  });
  const other = JSON.stringify({ schemaVersion: 2, config: { digest: sha256('x') }, layers: [] });
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { digest: sha256(other), platform: { os: 'linux', architecture: arch === 'amd64' ? 'arm64' : 'amd64' } },
      { digest: sha256(manifest), platform: { os: 'linux', architecture: arch } },
    ],
  });
  const blobs = new Map<string, Buffer | string>([
    [sha256(config), config],
    [sha256(layer), options.tamperLayer ? tampered(layer) : layer],
    [sha256(manifest), manifest],
    [sha256(other), other],
  ]);
  const requests: string[] = [];
  const fetchImpl = (async (input: string | URL, init?: { headers?: Record<string, string> }) => {
    const url = new URL(String(input));
    requests.push(`${url.pathname}${url.search}`);
    if (url.host === 'auth.example') {
      return new Response(JSON.stringify({ token: url.searchParams.get('scope') === 'repository:team/app:pull' ? 'T0KEN' : 'wrong' }));
    }
    if (init?.headers?.Authorization !== 'Bearer T0KEN') {
      return new Response('', { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull"' } });
    }
    const m = /^\/v2\/team\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return new Response('', { status: 404 });
    if (m[1] === 'manifests' && m[2] === 'latest') return new Response(index, { headers: { 'Docker-Content-Digest': sha256(index) } });
    const body = blobs.get(m[2]!);
    return body === undefined ? new Response('', { status: 404 }) : new Response(body);
  }) as unknown as typeof fetch;
  return { fetchImpl, requests, diffId };
}

describe('pullImage', () => {
  it('authenticates with a bearer token, resolves the manifest list to this platform, and stores the image', async (t) => {
    const root = new StateRoot(tempDir(t, 'pull-'));
    const images = new ImageStore(root);
    const registry = fakeRegistry();
    const image = await pullImage(images, 'registry.example/team/app', registry.fetchImpl);
    assert.deepEqual(image.layers, [registry.diffId]);
    assert.deepEqual(image.config, { Cmd: ['/hello'], Env: ['A=b'] });
    assert.equal(image.history?.[0]?.createdBy, 'ADD hello');
    assert.equal(images.find('registry.example/team/app:latest')?.id, image.id);
    assert.ok(registry.requests.some((r) => r.startsWith('/token?') && r.includes('service=registry.example')));
  });

  it('rejects a layer whose content does not match its digest, and keeps nothing', async (t) => {
    const root = new StateRoot(tempDir(t, 'pull-'));
    const images = new ImageStore(root);
    await assert.rejects(pullImage(images, 'registry.example/team/app', fakeRegistry({ tamperLayer: true }).fetchImpl), /does not match|cannot read the archive/);
    assert.equal(images.find('registry.example/team/app'), null);
    assert.equal(images.hasLayer(fakeRegistry().diffId), false);
  });
});
